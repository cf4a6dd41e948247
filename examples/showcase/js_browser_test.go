package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserJSCommands drives /js with both clients and compares them: after every
// step, both pages must hold the same DOM, and in the end they must have sent the same
// events. Each step also checks what it did.
func TestBrowserJSCommands(t *testing.T) { forEachClientCompared(t, testBrowserJSCommands) }

func testBrowserJSCommands(t *testing.T, bundle []byte, run *clientRun) {
	tab := openBrowserTab(t, startBrowserServer(t, bundle)+"/js", "UTC")
	settled := `!document.querySelector(".fading, .faded, .shown, .shaking, .leaving, [data-phx-ref], [data-phx-ref-src]")`
	step := func(name, action, cond string) {
		t.Helper()
		if action != "" {
			if strings.HasPrefix(action, "#") {
				click(t, tab, action)
			} else if key, ok := strings.CutPrefix(action, "key:"); ok {
				if _, err := chromedp.Run(tab, chromedp.KeyEvent(key)); err != nil {
					t.Fatalf("pressing %q: %v", key, err)
				}
			} else {
				evalString(t, tab, "("+action+", '')")
			}
		}
		run.step(t, tab, name, "("+cond+") && "+settled)
	}
	shown := func(id string) string {
		return fmt.Sprintf(`(getComputedStyle(document.getElementById(%q)).display !== "none")`, id)
	}
	card := `document.getElementById("card")`
	step("connected and mounted", "", `document.getElementById("status").getAttribute("data-link") === "up" && [...document.querySelectorAll("#items li")].every((li) => li.classList.contains("was-mounted"))`)
	step("the modal opens and pushes", "#open", shown("modal")+" && "+jsText("opened", "1"))
	step("a render keeps it open", "#tick", shown("modal")+" && "+jsText("ticks", "1"))
	step("Escape closes it", "key:"+kb.Escape, "!"+shown("modal"))
	step("the menu opens", "#menu-button", shown("menu")+` && document.getElementById("menu-button").getAttribute("aria-expanded") === "true"`)
	step("a render keeps it open", "#tick", shown("menu")+" && "+jsText("menu-ticks", "2"))
	step("the menu closes", "#menu-button", "!"+shown("menu")+` && document.getElementById("menu-button").getAttribute("aria-expanded") === "false"`)
	step("classes added", "#mark", card+`.classList.contains("marked") && `+card+`.classList.contains("bold")`)
	step("a render keeps them", "#tick", card+`.classList.contains("bold") && `+card+`.getAttribute("data-ticks") === "3"`)
	step("a class removed", "#unmark", "!"+card+`.classList.contains("bold") && `+card+`.classList.contains("marked")`)
	step("a class toggled on", "#flip", card+`.classList.contains("flipped")`)
	step("and off", "#flip", "!"+card+`.classList.contains("flipped")`)
	step("attributes set and removed", "#expand", card+`.getAttribute("data-size") === "large" && !`+card+`.hasAttribute("title")`)
	step("a render keeps them", "#tick", card+`.getAttribute("data-size") === "large" && !`+card+`.hasAttribute("title") && `+card+`.getAttribute("data-ticks") === "4"`)
	step("an attribute toggled", "#press", `document.getElementById("press").getAttribute("aria-pressed") === "true"`)
	step("a push with a value", "#save", jsText("saved", "item 7"))
	step("commands run from another element's attribute", "#exec", card+`.classList.contains("bold")`)
	// A MutationObserver sees the transition's class come, so that the step waits for it
	// to go again, however short it was.
	step("a transition runs and ends",
		`(new MutationObserver(() => { if (document.getElementById("card").classList.contains("shaking")) window.shook = true }).observe(document.getElementById("card"), {attributes: true}), document.getElementById("shake").click())`,
		`window.shook === true && !`+card+`.classList.contains("shaking")`)
	step("focus moves into the form", "#remember", `document.activeElement.id === "first"`)
	step("and back", "#return", `document.activeElement.id === "remember"`)
	step("a patch", "#to-tab", jsText("tab", "two")+` && location.search === "?tab=two"`)
	step("a new item is mounted", "#add", `!!document.querySelector("#item-4.was-mounted")`)
	step("a removed item leaves after its transition", "#remove-2", `!document.getElementById("item-2")`)
	run.end(tab)
	var evs [][]any
	if err := json.Unmarshal([]byte(run.events), &evs); err != nil {
		t.Fatalf("sent events %s: %v", run.events, err)
	}
	var names []string
	for _, e := range evs {
		names = append(names, fmt.Sprint(e[1]))
	}
	if got, want := strings.Join(names, " "), "opened tick tick tick tick save add remove"; got != want {
		t.Errorf("sent events %s, want %s", got, want)
	}
}
