package live

import (
	"context"
	"sync"
	"time"

	"github.com/glint-go/glint/live/pubsub"
	"github.com/glint-go/glint/render"
)

// devTopic is the PubSub topic on which, with Options.DevReload, every view hears that
// templates changed.
const devTopic = "glint:dev-reload"

// devReloadEvery is how often Options.DevReload looks at the template files.
const devReloadEvery = 300 * time.Millisecond

// devWatcher reloads the templates the server has seen (pages' and components') when
// their files change, and tells every view to render again.
type devWatcher struct {
	mu      sync.Mutex
	tmpls   map[*render.Template]struct{}
	lastErr map[*render.Template]string // the last error logged per template
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
}

// watch adds t to the templates the watcher reloads. It does nothing without DevReload.
func (s *Server) watch(t *render.Template) {
	d := s.dev
	if d == nil || t == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.tmpls[t]; !ok {
		d.tmpls[t] = struct{}{}
		t.Reload() // note the files as they are now
	}
}

// startDev starts the watcher of Options.DevReload.
func (s *Server) startDev() {
	d := &devWatcher{tmpls: map[*render.Template]struct{}{}, lastErr: map[*render.Template]string{}, stop: make(chan struct{}), done: make(chan struct{})}
	s.dev = d
	s.log.Warn("live: DevReload is on: template files are read again when they change; turn it off in production")
	go func() {
		defer close(d.done)
		t := time.NewTicker(devReloadEvery)
		defer t.Stop()
		for {
			select {
			case <-d.stop:
				return
			case <-t.C:
				if s.reloadTemplates() {
					s.log.Info("live: templates changed; open pages render again")
					if err := s.PubSub().Broadcast(context.Background(), devTopic, "reload", nil); err != nil {
						s.log.Error("live: telling views that templates changed", "err", err)
					}
				}
			}
		}
	}()
}

// reloadTemplates reloads every watched template and reports whether any changed. A
// template that no longer parses is logged (once per error) and keeps its last body.
func (s *Server) reloadTemplates() bool {
	d := s.dev
	d.mu.Lock()
	defer d.mu.Unlock()
	changed := false
	for t := range d.tmpls {
		ok, err := t.Reload()
		if err != nil {
			if d.lastErr[t] != err.Error() {
				d.lastErr[t] = err.Error()
				s.log.Error("live: template reload failed; the page keeps the last good one", "template", t.Name(), "err", err)
			}
			continue
		}
		if ok {
			delete(d.lastErr, t)
			changed = true
		}
	}
	return changed
}

// stopDev stops the watcher, if any, and waits for it.
func (s *Server) stopDev() {
	if d := s.dev; d != nil {
		d.once.Do(func() { close(d.stop) })
		<-d.done
	}
}

// isDevReload reports whether msg is the watcher's news that templates changed.
func isDevReload(msg any) bool {
	m, ok := msg.(*pubsub.Message)
	return ok && m.Topic == devTopic
}
