package container

import (
	"fmt"
	"math/rand/v2"
)

// Two short lists in the spirit of docker's generated names.
var (
	adjectives = []string{"brave", "calm", "eager", "fancy", "gentle", "happy", "jolly", "keen", "lucid", "merry",
		"nimble", "proud", "quiet", "rapid", "sharp", "tender", "vivid", "witty", "zesty", "bold"}
	nouns = []string{"anchor", "beacon", "buoy", "cargo", "dock", "ferry", "galley", "harbor", "jetty", "keel",
		"lantern", "mast", "pier", "quay", "rudder", "sail", "tide", "wharf", "hull", "compass"}
)

// RandomName returns a name like "brave_harbor"; after the first tries it adds
// a number, as docker does when names collide.
func RandomName(try int) string {
	name := adjectives[rand.IntN(len(adjectives))] + "_" + nouns[rand.IntN(len(nouns))]
	if try > 2 {
		name += fmt.Sprint(rand.IntN(100))
	}
	return name
}
