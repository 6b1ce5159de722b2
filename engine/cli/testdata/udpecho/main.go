// Command udpecho answers each UDP datagram on the port its argument names
// with "echo: " and the datagram, and prints what it got. The network
// scenarios copy it, built static, into a container to test published UDP
// ports.
package main

import (
	"fmt"
	"net"
	"os"
)

func main() {
	c, err := net.ListenPacket("udp4", ":"+os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buf := make([]byte, 2048)
	for {
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			os.Exit(1)
		}
		fmt.Printf("got %q\n", buf[:n])
		c.WriteTo(append([]byte("echo: "), buf[:n]...), from)
	}
}
