package main

import "math/rand/v2"

// Random names for the tabs: an adjective and an animal.
var (
	adjectives = []string{"Brave", "Calm", "Curious", "Eager", "Gentle", "Happy", "Jolly", "Kind", "Lucky", "Merry", "Nimble", "Proud", "Quick", "Quiet", "Sleepy", "Swift", "Witty", "Zesty"}
	animals    = []string{"Badger", "Crane", "Dolphin", "Falcon", "Fox", "Gecko", "Heron", "Koala", "Lynx", "Marmot", "Newt", "Otter", "Panda", "Puffin", "Quokka", "Raven", "Seal", "Walrus"}
)

// randomName returns a name such as "Curious Otter". Names may repeat; the tab's key is
// its random id, not its name.
func randomName() string {
	return adjectives[rand.IntN(len(adjectives))] + " " + animals[rand.IntN(len(animals))]
}
