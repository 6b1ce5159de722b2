package themes

// The built-in themes.
var (
	// Dark is the default theme on a dark terminal.
	Dark = Palette{
		Name: "dark", Dark: true,
		Foreground: "#d7dae0", Muted: "#7f8794", Surface: "#2c313c", Border: "#4b5263",
		Accent: "#61afef", Secondary: "#c678dd", Good: "#98c379", Warn: "#e5c07b",
		Bad: "#e06c75", Info: "#56b6c2", Match: "#5c4a1e",
	}
	// Light is the default theme on a light terminal.
	Light = Palette{
		Name: "light", Dark: false,
		Foreground: "#24292f", Muted: "#6e7781", Surface: "#e6e9ee", Border: "#b3bac4",
		Accent: "#0550ae", Secondary: "#8250df", Good: "#1a7f37", Warn: "#9a6700",
		Bad: "#cf222e", Info: "#0a6d7a", Match: "#fff0a0",
	}
	// HighContrast uses pure colours and black and white for legibility.
	HighContrast = Palette{
		Name: "high-contrast", Dark: true,
		Foreground: "#ffffff", Muted: "#d0d0d0", Surface: "#000080", Border: "#ffffff",
		Accent: "#00ffff", Secondary: "#ff00ff", Good: "#00ff00", Warn: "#ffff00",
		Bad: "#ff3030", Info: "#00d7ff", Match: "#808000",
	}
	// SolarizedDark is Ethan Schoonover's Solarized, dark variant.
	SolarizedDark = Palette{
		Name: "solarized-dark", Dark: true,
		Foreground: "#93a1a1", Muted: "#657b83", Surface: "#073642", Border: "#586e75",
		Accent: "#268bd2", Secondary: "#d33682", Good: "#859900", Warn: "#b58900",
		Bad: "#dc322f", Info: "#2aa198", Match: "#4a3f00",
	}
	// Gruvbox is gruvbox's dark variant.
	Gruvbox = Palette{
		Name: "gruvbox", Dark: true,
		Foreground: "#ebdbb2", Muted: "#a89984", Surface: "#3c3836", Border: "#665c54",
		Accent: "#fabd2f", Secondary: "#d3869b", Good: "#b8bb26", Warn: "#fe8019",
		Bad: "#fb4934", Info: "#83a598", Match: "#665c20",
	}
	// SolarizedLight is Solarized's light variant.
	SolarizedLight = Palette{
		Name: "solarized-light", Dark: false,
		Foreground: "#586e75", Muted: "#93a1a1", Surface: "#eee8d5", Border: "#93a1a1",
		Accent: "#268bd2", Secondary: "#d33682", Good: "#859900", Warn: "#b58900",
		Bad: "#dc322f", Info: "#2aa198", Match: "#f5e0a0",
	}
)

// Builtin returns the built-in themes in the order they are listed to users.
func Builtin() []Palette {
	return []Palette{Dark, Light, HighContrast, SolarizedDark, SolarizedLight, Gruvbox}
}
