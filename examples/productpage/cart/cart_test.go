package cart_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/glint-go/glint/examples/productpage/cart"
	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/examples/productpage/store/storetest"
	"github.com/glint-go/glint/live/pubsub"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var quiet = slog.New(slog.DiscardHandler)

// recorder is a pubsub subscriber that keeps every message it receives.
type recorder struct {
	mu   sync.Mutex
	msgs []*pubsub.Message
}

func (r *recorder) ID() string { return "" }
func (r *recorder) Deliver(m *pubsub.Message) {
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	r.mu.Unlock()
}

// changes returns the carts announced since the last call, checking that each message is
// an EventChanged on topic.
func (r *recorder) changes(t *testing.T, topic string) [][]int64 {
	t.Helper()
	r.mu.Lock()
	msgs := r.msgs
	r.msgs = nil
	r.mu.Unlock()
	var out [][]int64
	for _, m := range msgs {
		if m.Topic != topic || m.Event != cart.EventChanged {
			t.Errorf("got %s %s, want %s %s", m.Topic, m.Event, topic, cart.EventChanged)
			continue
		}
		var c cart.Changed
		if err := m.Decode(&c); err != nil {
			t.Errorf("payload %s: %v", m.Payload, err)
			continue
		}
		out = append(out, c.Items)
	}
	return out
}

type env struct {
	st    *store.SQLite
	ps    *pubsub.Local
	inv   *inventory.Inventory
	carts *cart.Carts
}

// newEnv opens a SQLite store in a temporary directory holding catalog (storetest's shop
// fixture when nil: product 1 released, product 2 not, items 12 and 22 sold out, item 13
// with one unit left), and the inventory and carts over it.
func newEnv(t *testing.T, catalog func() ([]store.Product, []store.Item)) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "cart.db"), store.SQLiteOptions{
		Rand: rand.New(rand.NewPCG(1, 1)), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if catalog == nil {
		catalog = storetest.ShopFixture
	}
	products, items := catalog()
	if err := st.Reset(ctx, products, items); err != nil {
		t.Fatal(err)
	}
	ps := pubsub.NewLocal()
	inv, err := inventory.Load(ctx, st, ps, inventory.Options{Rand: rand.New(rand.NewPCG(2, 2)), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(inv.Close)
	return &env{st: st, ps: ps, inv: inv, carts: cart.New(st, inv, ps, quiet)}
}

// listen records the announcements of a cart.
func (e *env) listen(t *testing.T, id string) *recorder {
	t.Helper()
	r := &recorder{}
	if err := e.ps.Subscribe(cart.Topic(id), r); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.ps.Unsubscribe(cart.Topic(id), r) })
	return r
}

func (e *env) items(t *testing.T, id string) []int64 {
	t.Helper()
	items, err := e.carts.Items(context.Background(), id)
	if err != nil {
		t.Fatalf("Items(%q): %v", id, err)
	}
	return items
}

func (e *env) stock(t *testing.T, itemID int64) int {
	t.Helper()
	it, _, ok := e.inv.Item(itemID)
	if !ok {
		t.Fatalf("item %d unknown", itemID)
	}
	return it.AvailableCount
}

// manyItems is a catalog of one released product ($10) with items 1..n, one unit each.
func manyItems(n int) func() ([]store.Product, []store.Item) {
	return func() ([]store.Product, []store.Item) {
		ps := []store.Product{{ID: 1, SKU: "P", Brand: "B", Name: "Many", PriceUSD: 10, MainImageURL: "/p.png", Released: true}}
		items := make([]store.Item, n)
		for i := range items {
			items[i] = store.Item{ID: int64(i + 1), SKU: fmt.Sprintf("I%d", i+1), Size: "9", ProductID: 1, AvailableCount: 1}
		}
		return ps, items
	}
}

func TestTopic(t *testing.T) {
	if got := cart.Topic("abc"); got != "cart:abc" {
		t.Errorf(`Topic("abc") = %q, want "cart:abc"`, got)
	}
}

func TestMessage(t *testing.T) {
	generic := "Your purchase could not be completed"
	tests := []struct {
		err  error
		want string
	}{
		{cart.ErrUnknownItem, "That shoe does not exist"},
		{store.ErrNotFound, "That shoe does not exist"},
		{cart.ErrInCart, "That shoe is already in your cart"},
		{cart.ErrSoldOut, "That shoe is sold out"},
		{cart.ErrUnreleased, "That shoe is not released yet"},
		{store.ErrCartFull, "Your cart is full: it holds 50 shoes at most"},
		{store.ErrCartEmpty, "Your cart is empty"},
		{store.ErrOutOfStock, "Your cart has out-of-stock shoes"},
		{store.ErrNotReleased, "Your cart has unreleased shoes"},
		{store.ErrPurchaseFailed, generic},
		{cart.ErrFailed, generic},
		{errors.New("disk on fire"), generic},
	}
	for _, tt := range tests {
		if got := cart.Message(tt.err); got != tt.want {
			t.Errorf("Message(%v) = %q, want %q", tt.err, got, tt.want)
		}
		wrapped := fmt.Errorf("outer: %w", fmt.Errorf("inner: %w", tt.err))
		if got := cart.Message(wrapped); got != tt.want {
			t.Errorf("Message(wrapped %v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// A sequence of adds and removes on one cart: each step's result, the cart after it, and
// whether it was announced (with the cart after the change) on the cart's topic only.
func TestAddRemove(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	id, other := cart.NewID(), cart.NewID()
	rec, otherRec := e.listen(t, id), e.listen(t, other)

	const add, remove = false, true
	steps := []struct {
		name      string
		remove    bool
		item      int64
		err       error  // for errors.Is; nil for success
		msg       string // Message(err) when err != nil
		want      []int64
		announced bool
	}{
		{"add", add, 11, nil, "", []int64{11}, true},
		{"add another goes first", add, 13, nil, "", []int64{13, 11}, true},
		{"add duplicate", add, 11, cart.ErrInCart, "That shoe is already in your cart", []int64{13, 11}, false},
		{"add the newest again", add, 13, cart.ErrInCart, "That shoe is already in your cart", []int64{13, 11}, false},
		{"add unknown item", add, 42, cart.ErrUnknownItem, "That shoe does not exist", []int64{13, 11}, false},
		{"add item 0", add, 0, cart.ErrUnknownItem, "That shoe does not exist", []int64{13, 11}, false},
		{"add unreleased item", add, 21, cart.ErrUnreleased, "That shoe is not released yet", []int64{13, 11}, false},
		{"add sold-out item", add, 12, cart.ErrSoldOut, "That shoe is sold out", []int64{13, 11}, false},
		{"add unreleased sold-out item", add, 22, cart.ErrUnreleased, "That shoe is not released yet", []int64{13, 11}, false},
		{"remove", remove, 11, nil, "", []int64{13}, true},
		{"remove absent item", remove, 11, nil, "", []int64{13}, false},
		{"remove unknown item", remove, 42, nil, "", []int64{13}, false},
		{"re-add goes first", add, 11, nil, "", []int64{11, 13}, true},
		{"remove the last but one", remove, 13, nil, "", []int64{11}, true},
		{"remove the last", remove, 11, nil, "", nil, true},
		{"remove from an empty cart", remove, 11, nil, "", nil, false},
	}
	for _, st := range steps {
		var err error
		if st.remove {
			err = e.carts.Remove(ctx, id, st.item)
		} else {
			err = e.carts.Add(ctx, id, st.item)
		}
		switch {
		case st.err == nil && err != nil:
			t.Errorf("%s (%d): %v, want success", st.name, st.item, err)
		case st.err != nil && !errors.Is(err, st.err):
			t.Errorf("%s (%d): %v, want %v", st.name, st.item, err, st.err)
		case st.err != nil && errors.Is(err, cart.ErrFailed):
			t.Errorf("%s (%d): refusal %v also wraps ErrFailed", st.name, st.item, err)
		case st.err != nil && cart.Message(err) != st.msg:
			t.Errorf("%s (%d): Message = %q, want %q", st.name, st.item, cart.Message(err), st.msg)
		}
		if got := e.items(t, id); !slices.Equal(got, st.want) {
			t.Errorf("%s (%d): cart = %v, want %v (newest first)", st.name, st.item, got, st.want)
		}
		got := rec.changes(t, cart.Topic(id))
		switch {
		case !st.announced && len(got) != 0:
			t.Errorf("%s (%d): announced %v, want nothing", st.name, st.item, got)
		case st.announced && (len(got) != 1 || !slices.Equal(got[0], st.want)):
			t.Errorf("%s (%d): announced %v, want one change to %v", st.name, st.item, got, st.want)
		}
	}
	if got := otherRec.changes(t, cart.Topic(other)); len(got) != 0 {
		t.Errorf("another cart's topic heard %v", got)
	}
	if got := e.items(t, other); len(got) != 0 {
		t.Errorf("another cart holds %v, want nothing", got)
	}
}

func TestAddFullCart(t *testing.T) {
	e := newEnv(t, manyItems(store.MaxCartItems+1))
	ctx := context.Background()
	id := cart.NewID()
	for item := int64(1); item <= store.MaxCartItems; item++ {
		if err := e.carts.Add(ctx, id, item); err != nil {
			t.Fatalf("add #%d: %v", item, err)
		}
	}
	rec := e.listen(t, id)
	next := int64(store.MaxCartItems + 1)
	err := e.carts.Add(ctx, id, next)
	if !errors.Is(err, store.ErrCartFull) || errors.Is(err, cart.ErrFailed) {
		t.Fatalf("add #%d = %v, want ErrCartFull (a refusal)", next, err)
	}
	if msg := cart.Message(err); !strings.Contains(msg, "full") || !strings.Contains(msg, "50") {
		t.Errorf("Message = %q, want it to say the cart is full at 50", msg)
	}
	if got := e.items(t, id); len(got) != store.MaxCartItems || got[0] != store.MaxCartItems || slices.Contains(got, next) {
		t.Errorf("full cart = %v, want items %d..1", got, store.MaxCartItems)
	}
	// A duplicate in a full cart is "already in the cart", not "full".
	if err := e.carts.Add(ctx, id, 7); !errors.Is(err, cart.ErrInCart) {
		t.Errorf("duplicate in a full cart = %v, want ErrInCart", err)
	}
	if got := rec.changes(t, cart.Topic(id)); len(got) != 0 {
		t.Errorf("refused adds announced %v", got)
	}
	// Making room lets the 51st item in.
	if err := e.carts.Remove(ctx, id, 7); err != nil {
		t.Fatal(err)
	}
	if err := e.carts.Add(ctx, id, next); err != nil {
		t.Errorf("add after making room: %v", err)
	}
	if got := rec.changes(t, cart.Topic(id)); len(got) != 2 || len(got[1]) != store.MaxCartItems || got[1][0] != next {
		t.Errorf("announced %d changes, want 2, the last with %d items starting with %d", len(got), store.MaxCartItems, next)
	}
}

// Items, Add and Remove report a store that fails (here: closed) with ErrFailed, and a
// shopper reads the generic sentence.
func TestStoreFailure(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	id := cart.NewID()
	if err := e.carts.Add(ctx, id, 11); err != nil {
		t.Fatal(err)
	}
	rec := e.listen(t, id)
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	ops := []struct {
		name string
		do   func() error
	}{
		{"Items", func() error { _, err := e.carts.Items(ctx, id); return err }},
		{"Add", func() error { return e.carts.Add(ctx, id, 13) }},
		{"Remove", func() error { return e.carts.Remove(ctx, id, 11) }},
	}
	for _, op := range ops {
		err := op.do()
		if !errors.Is(err, cart.ErrFailed) {
			t.Errorf("%s on a closed store = %v, want ErrFailed", op.name, err)
		}
		if got := cart.Message(err); got != "Your purchase could not be completed" {
			t.Errorf("%s: Message = %q, want the generic sentence", op.name, got)
		}
	}
	if got := rec.changes(t, cart.Topic(id)); len(got) != 0 {
		t.Errorf("failed operations announced %v", got)
	}
}

// Ids the store refuses (such as an empty one) are failures, not refusals, and change
// nothing.
func TestInvalidCartID(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	if _, err := e.carts.Items(ctx, ""); !errors.Is(err, cart.ErrFailed) || !errors.Is(err, store.ErrInvalid) {
		t.Errorf(`Items("") = %v, want ErrFailed wrapping store.ErrInvalid`, err)
	}
	if err := e.carts.Add(ctx, "", 11); !errors.Is(err, cart.ErrFailed) || !errors.Is(err, store.ErrInvalid) {
		t.Errorf(`Add("") = %v, want ErrFailed wrapping store.ErrInvalid`, err)
	}
	if err := e.carts.Remove(ctx, "", 11); !errors.Is(err, cart.ErrFailed) || !errors.Is(err, store.ErrInvalid) {
		t.Errorf(`Remove("") = %v, want ErrFailed wrapping store.ErrInvalid`, err)
	}
	if got := e.items(t, cart.NewID()); len(got) != 0 {
		t.Errorf("an unknown cart holds %v, want nothing", got)
	}
}

// cancelAfter is a shop that cancels the caller's context as soon as a change is
// committed, as a browser that gives up on its request right then does.
type cancelAfter struct {
	store.Shop
	cancel context.CancelFunc
}

func (s cancelAfter) AddToCart(ctx context.Context, id string, item int64) (bool, error) {
	defer s.cancel()
	return s.Shop.AddToCart(ctx, id, item)
}

func (s cancelAfter) RemoveFromCart(ctx context.Context, id string, item int64) (bool, error) {
	defer s.cancel()
	return s.Shop.RemoveFromCart(ctx, id, item)
}

// A change that the store committed is announced even when the caller's context ends
// right after (the no-script add form passes the request's context): otherwise the
// cart's other tabs would never hear of it.
func TestChangeAnnouncedAfterCallerGivesUp(t *testing.T) {
	e := newEnv(t, nil)
	id := cart.NewID()
	rec := e.listen(t, id)
	for _, remove := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		carts := cart.New(cancelAfter{Shop: e.st, cancel: cancel}, e.inv, e.ps, quiet)
		var err error
		var want []int64
		if remove {
			err = carts.Remove(ctx, id, 11)
		} else {
			err, want = carts.Add(ctx, id, 11), []int64{11}
		}
		cancel()
		if err != nil {
			t.Fatalf("remove=%v: %v", remove, err)
		}
		if got := e.items(t, id); !slices.Equal(got, want) {
			t.Fatalf("remove=%v: cart = %v, want %v", remove, got, want)
		}
		if got := rec.changes(t, cart.Topic(id)); len(got) != 1 || !slices.Equal(got[0], want) {
			t.Errorf("remove=%v: announced %v, want one change to %v", remove, got, want)
		}
	}
}

func TestPurchase(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	id, other := cart.NewID(), cart.NewID()
	for _, item := range []int64{11, 13} {
		if err := e.carts.Add(ctx, id, item); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.carts.Add(ctx, other, 13); err != nil { // the last unit, also wanted elsewhere
		t.Fatal(err)
	}
	rec := e.listen(t, id)
	stock11 := e.stock(t, 11)

	o, err := e.carts.Purchase(ctx, id, "key-1")
	if err != nil {
		t.Fatalf("Purchase: %v", err)
	}
	if o.ID == 0 || o.CartID != id || o.Key != "key-1" || o.TotalUSD != 200 || len(o.Items) != 2 ||
		o.Items[0].ItemID != 13 || o.Items[1].ItemID != 11 || o.Items[0].Remaining != 0 || o.Items[1].Remaining != stock11-1 {
		t.Errorf("order = %+v; want cart %q, key key-1, $200, items 13 (0 left) and 11 (%d left)", o, id, stock11-1)
	}
	if got := e.items(t, id); len(got) != 0 {
		t.Errorf("cart after purchase = %v, want empty", got)
	}
	if got := rec.changes(t, cart.Topic(id)); len(got) != 1 || len(got[0]) != 0 {
		t.Errorf("purchase announced %v, want one change to an empty cart", got)
	}
	// The inventory learned of the sale: item 13 is now sold out for everyone.
	if got := e.stock(t, 11); got != stock11-1 {
		t.Errorf("stock of 11 = %d, want %d", got, stock11-1)
	}
	v := cart.Build(e.inv, e.items(t, other))
	if v.Count() != 1 || !v.Lines[0].Out || !v.Unavailable() {
		t.Errorf("the other cart's view = %+v, want item 13 shown sold out", v)
	}
	if err := e.carts.Add(ctx, cart.NewID(), 13); !errors.Is(err, cart.ErrSoldOut) {
		t.Errorf("add of the item just sold out = %v, want ErrSoldOut", err)
	}

	// A retry with the same key returns the same order and sells nothing, whatever the cart
	// holds now.
	if err := e.carts.Add(ctx, id, 11); err != nil {
		t.Fatal(err)
	}
	rec.changes(t, cart.Topic(id))
	again, err := e.carts.Purchase(ctx, id, "key-1")
	if err != nil || !reflect.DeepEqual(again, o) {
		t.Errorf("retry = %+v, %v; want the same order %+v", again, err, o)
	}
	if got := e.items(t, id); !slices.Equal(got, []int64{11}) {
		t.Errorf("cart after retry = %v, want [11] untouched", got)
	}
	if got := e.stock(t, 11); got != stock11-1 {
		t.Errorf("stock of 11 after retry = %d, want %d (sold once)", got, stock11-1)
	}
	for _, c := range rec.changes(t, cart.Topic(id)) {
		if !slices.Equal(c, []int64{11}) {
			t.Errorf("retry announced %v, but the cart holds [11]", c)
		}
	}
	// The same key on another cart is another purchase.
	if _, err := e.carts.Purchase(ctx, other, "key-1"); !errors.Is(err, store.ErrOutOfStock) {
		t.Errorf("same key, other cart = %v, want ErrOutOfStock (its item sold out)", err)
	}
	// A new key buys what the cart holds now.
	o2, err := e.carts.Purchase(ctx, id, "key-2")
	if err != nil || o2.ID == o.ID || len(o2.Items) != 1 || o2.Items[0].ItemID != 11 {
		t.Errorf("purchase with a new key = %+v, %v; want a new order of item 11", o2, err)
	}
}

// Purchases the store refuses change nothing, announce nothing, and give the shopper the
// reason.
func TestPurchaseRefused(t *testing.T) {
	tests := []struct {
		name  string
		items []int64 // put in the cart through the store, in this order, bypassing Add's checks
		key   string
		err   error
		msg   string
	}{
		{"empty cart", nil, "k", store.ErrCartEmpty, "Your cart is empty"},
		{"sold-out item", []int64{11, 12}, "k", store.ErrOutOfStock, "Your cart has out-of-stock shoes"},
		{"unreleased item", []int64{11, 21}, "k", store.ErrNotReleased, "Your cart has unreleased shoes"},
		{"empty key", []int64{11}, "", store.ErrInvalid, "Your purchase could not be completed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			ctx := context.Background()
			id := cart.NewID()
			for _, item := range tt.items {
				if _, err := e.st.AddToCart(ctx, id, item); err != nil {
					t.Fatal(err)
				}
			}
			before := e.stock(t, 11)
			rec := e.listen(t, id)
			o, err := e.carts.Purchase(ctx, id, tt.key)
			if !errors.Is(err, tt.err) || o.ID != 0 {
				t.Fatalf("Purchase = order %d, %v; want %v", o.ID, err, tt.err)
			}
			if got := cart.Message(err); got != tt.msg {
				t.Errorf("Message = %q, want %q", got, tt.msg)
			}
			want := slices.Clone(tt.items)
			slices.Reverse(want)
			if got := e.items(t, id); !slices.Equal(got, want) {
				t.Errorf("cart = %v, want %v untouched", got, want)
			}
			if got := e.stock(t, 11); got != before {
				t.Errorf("stock of 11 = %d, want %d", got, before)
			}
			if got := rec.changes(t, cart.Topic(id)); len(got) != 0 {
				t.Errorf("refused purchase announced %v", got)
			}
		})
	}
}

func TestOrder(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	id, other := cart.NewID(), cart.NewID()
	if err := e.carts.Add(ctx, id, 11); err != nil {
		t.Fatal(err)
	}
	o, err := e.carts.Purchase(ctx, id, "k")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cart    string
		order   int64
		wantErr bool
	}{
		{"own order", id, o.ID, false},
		{"another cart's order", other, o.ID, true},
		{"unknown order", id, o.ID + 1, true},
		{"order 0", id, 0, true},
	}
	for _, tt := range tests {
		got, err := e.carts.Order(ctx, tt.cart, tt.order)
		if tt.wantErr {
			if !errors.Is(err, store.ErrNotFound) || got.ID != 0 || got.Items != nil {
				t.Errorf("%s: Order = %+v, %v; want nothing and store.ErrNotFound", tt.name, got, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, o) {
			t.Errorf("%s: Order = %+v, %v; want %+v", tt.name, got, err, o)
		}
	}
}

func TestBuild(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		name        string
		ids         []int64
		lines       []int64 // the ids shown, in order
		subtotal    int
		unavailable bool
	}{
		{"empty", nil, nil, 0, false},
		{"available items", []int64{13, 11}, []int64{13, 11}, 200, false},
		{"sold-out item", []int64{11, 12}, []int64{11, 12}, 200, true},
		{"unreleased item", []int64{21, 11}, []int64{21, 11}, 350, true},
		{"unknown items left out", []int64{99, 11, 0}, []int64{11}, 100, false},
		{"everything", []int64{22, 21, 13, 12, 11}, []int64{22, 21, 13, 12, 11}, 2*250 + 3*100, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := cart.Build(e.inv, tt.ids)
			var got []int64
			for _, l := range v.Lines {
				got = append(got, l.ID)
			}
			if !slices.Equal(got, tt.lines) || v.Count() != len(tt.lines) {
				t.Errorf("lines %v (Count %d), want %v", got, v.Count(), tt.lines)
			}
			if v.SubtotalUSD != tt.subtotal {
				t.Errorf("SubtotalUSD = %d, want %d", v.SubtotalUSD, tt.subtotal)
			}
			if v.Unavailable() != tt.unavailable {
				t.Errorf("Unavailable = %v, want %v", v.Unavailable(), tt.unavailable)
			}
			for _, id := range []int64{11, 12, 13, 21, 22, 99} {
				if want := slices.Contains(tt.lines, id); v.Has(id) != want {
					t.Errorf("Has(%d) = %v, want %v", id, v.Has(id), want)
				}
			}
		})
	}
}

func TestBuildLines(t *testing.T) {
	e := newEnv(t, nil)
	v := cart.Build(e.inv, []int64{12, 21, 11})
	want := []cart.Line{
		{ID: 12, ProductID: 1, Brand: "B1", Name: "One", Color: "red", ImageURL: "/1.png", Size: "10", PriceUSD: 100, Released: true, Out: true},
		{ID: 21, ProductID: 2, Brand: "B2", Name: "Two", Color: "blue", ImageURL: "/2.png", Size: "9", PriceUSD: 250, Released: false, Out: false},
		{ID: 11, ProductID: 1, Brand: "B1", Name: "One", Color: "red", ImageURL: "/1.png", Size: "9", PriceUSD: 100, Released: true, Out: false},
	}
	if !reflect.DeepEqual(v.Lines, want) {
		t.Fatalf("lines =\n%+v\nwant\n%+v", v.Lines, want)
	}
	for i, avail := range []bool{false, false, true} {
		if l := v.Lines[i]; l.Available() != avail {
			t.Errorf("line %d: Available = %v, want %v", l.ID, l.Available(), avail)
		}
	}
	if k := v.Lines[0].Key(); k != "12" {
		t.Errorf("Key = %q, want %q", k, "12")
	}

	// Lines follow the inventory: releasing product 2 makes item 21 available.
	if err := e.inv.Release(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	v = cart.Build(e.inv, []int64{21, 11})
	if !v.Lines[0].Released || !v.Lines[0].Available() || v.Unavailable() {
		t.Errorf("after release: %+v, want every line available", v.Lines)
	}
}
