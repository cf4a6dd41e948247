package main

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// jsShownErrors is true when the page shows exactly these errors (field → message).
func jsShownErrors(want map[string]string) string {
	if want == nil {
		want = map[string]string{}
	}
	b, _ := json.Marshal(want) // keys sorted
	return fmt.Sprintf(`(() => {
		const got = {}
		for (const e of document.querySelectorAll("[data-for]")) got[e.dataset.for] = e.textContent
		const sorted = {}
		for (const k of Object.keys(got).sort()) sorted[k] = got[k]
		return JSON.stringify(sorted) === %q
	})()`, b)
}

// jsSetInput sets an input's value as a date picker would, firing its input event.
func jsSetInput(selector, value string) string {
	return fmt.Sprintf(`(() => {
		const el = document.querySelector(%q)
		el.focus()
		el.value = %q
		el.dispatchEvent(new Event("input", {bubbles: true}))
		return true
	})()`, selector, value)
}

// jsFormCleared is true when the sign-up form is the one of round n and all its inputs are
// empty and unchecked.
func jsFormCleared(n int) string {
	return fmt.Sprintf(`(() => {
		const f = document.getElementById("signup-%d")
		if (!f || document.querySelectorAll("form").length !== 1) return false
		return [...f.querySelectorAll("input")].every(i =>
			i.type === "hidden" || (i.type === "checkbox" ? !i.checked : i.value === ""))
	})()`, n)
}

// TestBrowserForms fills in the sign-up form of /forms in Chromium, with both clients. As
// the user types, only the fields used show their errors; a submit shows every error; a
// valid submit shows the confirmation and a fresh form, whose fields count as unused
// again.
func TestBrowserForms(t *testing.T) { forEachClientCompared(t, testBrowserForms) }

func testBrowserForms(t *testing.T, bundle []byte, run *clientRun) {
	tab := openBrowserTab(t, startBrowserServer(t, bundle)+"/forms", "UTC")
	defer run.end(tab)
	if title := evalString(t, tab, `document.title`); title != "Forms" {
		t.Errorf("document.title = %q, want Forms", title)
	}
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, cancel := context.WithTimeout(tab, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// typeIn focuses the input and types. Not chromedp.SendKeys: it reads the node's
	// attributes without chromedp's lock, a data race with the page patching them (the
	// inputs' aria-invalid and loading classes change as the user types).
	typeIn := func(name, text string) {
		t.Helper()
		do("typing in "+name, chromedp.Focus(chromedp.CSS(fmt.Sprintf(`input[name=%q]`, name))), chromedp.KeyEvent(text))
	}
	click := func(selector string) {
		t.Helper()
		do("clicking "+selector, chromedp.Click(chromedp.CSS(selector)))
	}

	// Typing an email that is not one yet shows its error alone, though name, age,
	// birthday, city and postcode are empty and required too: they are unused.
	typeIn("email", "ada")
	run.step(t, tab, "the email's error alone", jsShownErrors(map[string]string{"email": "must be an email address"}))
	typeIn("email", "@example.com")
	run.step(t, tab, "no error once the email is valid", jsShownErrors(nil))

	typeIn("age", "12")
	run.step(t, tab, "the age's error alone", jsShownErrors(map[string]string{"age": "must be between 13 and 120"}))

	// Unchecking the group's last box sends no interests at all; the group is the event's
	// target, so its error shows.
	click(`input[name="interests[]"][value="go"]`)
	click(`input[name="interests[]"][value="go"]`)
	waitJS(t, tab, "the interests' error", jsShownErrors(map[string]string{
		"age":       "must be between 13 and 120",
		"interests": "must include at least one choice",
	}))
	run.snap(tab, "the interests' error")
	click(`input[name="interests[]"][value="sql"]`)
	run.step(t, tab, "the interests' error gone", jsShownErrors(map[string]string{"age": "must be between 13 and 120"}))

	// A submit shows every error.
	click(`form button[type=submit]`)
	waitJS(t, tab, "every error after a submit", jsShownErrors(map[string]string{
		"name":              "is required",
		"age":               "must be between 13 and 120",
		"birthday":          "is required",
		"terms":             "must be accepted",
		"address[city]":     "is required",
		"address[postcode]": "is required",
	}))
	run.snap(tab, "every error after a submit")
	if v := evalString(t, tab, `document.querySelector('input[name="email"]').value`); v != "ada@example.com" {
		t.Errorf("the email input holds %q after the submit", v)
	}

	// Filling the form in clears the errors one by one: after a submit, every field counts
	// as used.
	typeIn("name", "Ada Lovelace")
	run.step(t, tab, "the name's error gone", `!document.querySelector('[data-for="name"]')`)
	run.step(t, tab, "the age set", jsSetInput(`input[name="age"]`, "36"))
	run.step(t, tab, "the birthday set", jsSetInput(`input[name="birthday"]`, "1990-12-10"))
	click(`input[type=checkbox][name="terms"]`)
	typeIn("address[city]", "London")
	typeIn("address[postcode]", "SW1Y 4JH")
	run.step(t, tab, "no error left", jsShownErrors(nil))

	// A valid submit: the confirmation and a fresh form.
	click(`form button[type=submit]`)
	run.step(t, tab, "the confirmation", `(document.querySelector("#welcome h2") || {}).textContent === "Welcome, Ada Lovelace!"`)
	run.step(t, tab, "a fresh, empty form", jsFormCleared(1))
	if text := evalString(t, tab, `document.querySelector("#welcome p").textContent`); text !=
		"We will write to ada@example.com. Age 36, born 10 December 1990, in London; interested in SQL." {
		t.Errorf("confirmation %q", text)
	}

	// In the fresh form nothing is used yet: typing a name shows no error for the other
	// empty fields, and the confirmation goes.
	typeIn("name", "Charles")
	run.step(t, tab, "the confirmation gone, no error", `!document.getElementById("welcome") && `+jsShownErrors(nil))
	typeIn("email", "c")
	run.step(t, tab, "the new email's error alone", jsShownErrors(map[string]string{"email": "must be an email address"}))
}
