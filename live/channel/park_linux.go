package channel

import (
	"errors"
	"os"
	"sync"
	"syscall"
)

// poller parks idle sockets on an epoll set of its own, so that a socket waiting for its
// client's next frame holds no goroutine (see park.go). The set's own descriptor is
// waited on through Go's network poller, so the poller's one goroutine holds no thread
// either. Each socket's descriptor is registered one-shot: an event disarms it until the
// socket parks again, and re-arming a descriptor that already has bytes to read reports
// it at once, so no arrival between the last read and the re-arming is missed.
type poller struct {
	file *os.File        // the epoll descriptor, non-blocking (never call its Fd, which would make it blocking)
	raw  syscall.RawConn // file's, to wait for events through the network poller
	done chan struct{}   // closed when the loop has ended

	mu    sync.Mutex
	socks map[uint64]*socket // by the id in the events' data
	next  uint64
}

// parkEvents are the events a parked socket waits for: bytes (or the end of the stream)
// to read, or the connection failing.
const parkEvents = syscall.EPOLLIN | syscall.EPOLLRDHUP | epollOneShot

// epollOneShot is EPOLLONESHOT, which the syscall package declares as a negative int on
// some platforms.
const epollOneShot = 1 << 30

// newPoller creates a poller and starts its goroutine, which runs until close.
func newPoller() (*poller, error) {
	fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return nil, os.NewSyscallError("setnonblock", err)
	}
	f := os.NewFile(uintptr(fd), "channel-poller")
	raw, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	p := &poller{file: f, raw: raw, done: make(chan struct{}), socks: make(map[uint64]*socket)}
	go p.loop()
	return p, nil
}

// close stops the poller; the sockets registered with it have all ended.
func (p *poller) close() {
	p.file.Close()
	<-p.done
}

// add registers s, disarmed: its reader runs until it parks. It reports false when s's
// connection cannot be polled (s then waits for frames on its goroutine).
func (p *poller) add(s *socket) bool {
	if s.nc.raw == nil {
		return false
	}
	p.mu.Lock()
	p.next++
	id := p.next
	p.socks[id] = s
	p.mu.Unlock()
	s.pollID = id
	// One-shot with no events: a hang-up, which epoll always reports, is reported once
	// and not again at every wait while the reader runs.
	if p.ctl(s, syscall.EPOLL_CTL_ADD, epollOneShot) != nil {
		p.forget(id)
		return false
	}
	return true
}

// arm reports s's next event once: the socket has parked.
func (p *poller) arm(s *socket) error { return p.ctl(s, syscall.EPOLL_CTL_MOD, parkEvents) }

// remove unregisters s, whose reader has ended, before its connection closes.
func (p *poller) remove(s *socket) {
	_ = p.ctl(s, syscall.EPOLL_CTL_DEL, 0)
	p.forget(s.pollID)
}

func (p *poller) forget(id uint64) {
	p.mu.Lock()
	delete(p.socks, id)
	p.mu.Unlock()
}

// ctl changes s's registration. It runs inside the Control of both the connection and
// the epoll set, so that neither descriptor can be closed (and its number reused)
// meanwhile; once either is closed it fails, and the kernel has dropped the registration
// itself.
func (p *poller) ctl(s *socket, op int, events uint32) error {
	var err error
	cerr := s.nc.raw.Control(func(fd uintptr) {
		if perr := p.raw.Control(func(epfd uintptr) {
			ev := syscall.EpollEvent{Events: events}
			setEventID(&ev, s.pollID)
			err = syscall.EpollCtl(int(epfd), op, int(fd), &ev)
		}); perr != nil {
			err = perr
		}
	})
	if cerr != nil {
		return cerr
	}
	if err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	return nil
}

// setEventID and eventID keep a socket's id in an event's 64 bits of user data.
func setEventID(ev *syscall.EpollEvent, id uint64) {
	ev.Fd, ev.Pad = int32(uint32(id)), int32(uint32(id>>32))
}

func eventID(ev *syscall.EpollEvent) uint64 {
	return uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
}

// loop wakes the sockets whose events arrive, until the poller is closed.
func (p *poller) loop() {
	defer close(p.done)
	var events [128]syscall.EpollEvent
	var woken []*socket
	for {
		n := 0
		err := p.raw.Read(func(fd uintptr) bool {
			for {
				var werr error
				n, werr = syscall.EpollWait(int(fd), events[:], 0)
				if errors.Is(werr, syscall.EINTR) {
					continue
				}
				if werr != nil {
					n = 0
				}
				return n > 0 // none yet: wait until the set is readable
			}
		})
		if err != nil {
			return // closed
		}
		p.mu.Lock()
		for i := range n {
			if s := p.socks[eventID(&events[i])]; s != nil {
				woken = append(woken, s)
			}
		}
		p.mu.Unlock()
		for i, s := range woken {
			s.wake()
			woken[i] = nil
		}
		woken = woken[:0]
	}
}
