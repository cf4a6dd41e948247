//go:build !linux

package channel

import "errors"

// poller parks idle sockets without a goroutine; only Linux has one (park_linux.go).
// Elsewhere each socket waits for its client's frames on its own goroutine.
type poller struct{}

func newPoller() (*poller, error) { return nil, errors.New("channel: no poller on this system") }

func (p *poller) close()            {}
func (p *poller) add(*socket) bool  { return false }
func (p *poller) arm(*socket) error { return errors.New("channel: no poller") }
func (p *poller) remove(*socket)    {}
