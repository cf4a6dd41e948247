package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// page is what the disconnected render tells a client about the view to join.
type page struct {
	URL     *url.URL
	ID      string // container id; the topic is "lv:" + ID
	Session string
	Static  string
	CSRF    string
	Cookie  string // Cookie header to send on the socket upgrade
	Bytes   int    // size of the HTML
	// Submits are the enabled submit buttons of the page's phx-submit forms, in page order.
	Submits []submitter
}

// submitter is a submit button of a phx-submit form: submitting the form with it sends
// Event with Name=Value among the form's values.
type submitter struct {
	Event, Name, Value string
}

// fetchPage GETs the page and reads the main live view's container and tokens. User info
// in raw is sent as basic auth. When client has a cookie jar, the socket's cookies are the
// jar's for the page (a browser's); otherwise they are the ones the response set.
func fetchPage(ctx context.Context, client *http.Client, raw string) (*page, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("bad -url %q: want http(s)://host/path", raw)
	}
	user := u.User
	u.User = nil
	raw = u.String()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, err
	}
	if user != nil {
		pw, _ := user.Password()
		req.SetBasicAuth(user.Username(), pw)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", raw, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", raw, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %s", raw, resp.Status)
	}
	p := &page{URL: resp.Request.URL, Bytes: len(body)}
	set := resp.Cookies()
	if client.Jar != nil {
		set = client.Jar.Cookies(p.URL)
	}
	var cookies []string
	for _, c := range set {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	p.Cookie = strings.Join(cookies, "; ")
	if err := p.parse(string(body)); err != nil {
		return nil, fmt.Errorf("GET %s: %w", raw, err)
	}
	return p, nil
}

// parse finds the csrf-token meta tag, the live view container (the element with
// data-phx-main, else the first with data-phx-session) and the submit buttons of
// phx-submit forms.
func (p *page) parse(doc string) error {
	z := html.NewTokenizer(strings.NewReader(doc))
	found := false
	formEvent := "" // phx-submit of the form being read
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt == html.EndTagToken {
			if name, _ := z.TagName(); string(name) == "form" {
				formEvent = ""
			}
			continue
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		attrs := map[string]string{}
		_, main := "", false
		for _, a := range tok.Attr {
			attrs[a.Key] = a.Val
			if a.Key == "data-phx-main" {
				main = true
			}
		}
		if tok.Data == "meta" && attrs["name"] == "csrf-token" {
			p.CSRF = attrs["content"]
		}
		if tok.Data == "form" {
			formEvent = attrs["phx-submit"]
		}
		if s, ok := submitterOf(tok.Data, attrs); ok && formEvent != "" {
			s.Event = formEvent
			p.Submits = append(p.Submits, s)
		}
		if session, ok := attrs["data-phx-session"]; ok && (!found || main) {
			if _, parent := attrs["data-phx-parent-id"]; parent {
				continue
			}
			p.ID, p.Session, p.Static = attrs["id"], session, attrs["data-phx-static"]
			found = true
		}
	}
	if !found || p.ID == "" || p.Session == "" {
		return fmt.Errorf("no live view container (an element with id and data-phx-session) in the page")
	}
	return nil
}

// submitterOf reads a named, enabled submit button (a button without a type, or of type
// submit, or an input of type submit).
func submitterOf(tag string, attrs map[string]string) (submitter, bool) {
	typ, hasType := attrs["type"]
	isSubmit := (tag == "button" && (!hasType || strings.EqualFold(typ, "submit"))) ||
		(tag == "input" && strings.EqualFold(typ, "submit"))
	if _, disabled := attrs["disabled"]; !isSubmit || disabled || attrs["name"] == "" {
		return submitter{}, false
	}
	return submitter{Name: attrs["name"], Value: attrs["value"]}, true
}

// socketURL is the live socket's URL for this page.
func (p *page) socketURL(mount string, mounts int) string {
	scheme := "ws"
	if p.URL.Scheme == "https" {
		scheme = "wss"
	}
	q := url.Values{}
	q.Set("_csrf_token", p.CSRF)
	return fmt.Sprintf("%s://%s%s/websocket?%s&_mounts=%d&vsn=2.0.0", scheme, p.URL.Host, mount, q.Encode(), mounts)
}

// origin is the Origin header a browser on this page would send.
func (p *page) origin() string { return p.URL.Scheme + "://" + p.URL.Host }
