package app

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/glint-go/glint/examples/productpage/cart"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/live/channel"
)

// withCart gives a browser without a valid cart cookie a new cart before the page renders,
// so that the page's live session names it.
func withCart(cookies *cart.Cookies, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cookies.Ensure(w, r)
		h.ServeHTTP(w, r)
	})
}

// cartSession binds the request's cart id into the page's signed live session.
func cartSession(cookies *cart.Cookies) func(r *http.Request) (map[string]string, error) {
	return func(r *http.Request) (map[string]string, error) {
		if id, ok := cookies.Read(r); ok {
			return map[string]string{sessionCartKey: id}, nil
		}
		return nil, nil
	}
}

// ShopperSocketID returns the live socket id of a cart's sockets, which the admin API's
// disconnect takes.
func ShopperSocketID(cartID string) string { return "shopper:" + cartID }

// shopperSocket is the live socket's Connect callback: a socket whose browser carries a
// valid cart cookie is named after its cart.
func shopperSocket(cookies *cart.Cookies) func(context.Context, *channel.ConnectInfo) (channel.Assigns, error) {
	return func(_ context.Context, info *channel.ConnectInfo) (channel.Assigns, error) {
		for _, c := range info.Cookies {
			if c.Name != cart.CookieName {
				continue
			}
			if id, ok := cookies.Verify(c.Value); ok {
				return channel.Assigns{"socket_id": ShopperSocketID(id)}, nil
			}
		}
		return nil, nil
	}
}

// addNotices are the codes the no-script add route puts in /drops's URL for a refusal.
var addNotices = []struct {
	code string
	err  error
}{
	{"unknown", cart.ErrUnknownItem},
	{"in-cart", cart.ErrInCart},
	{"sold-out", cart.ErrSoldOut},
	{"unreleased", cart.ErrUnreleased},
	{"full", store.ErrCartFull},
	{"failed", cart.ErrFailed},
}

// noticeMessage returns the message of a notice code, or "" for none or an unknown code.
func noticeMessage(code string) string {
	for _, n := range addNotices {
		if n.code == code {
			return cart.Message(n.err)
		}
	}
	return ""
}

// addToCart is POST /cart/add, the size form's action for browsers without scripts: it
// adds the item and answers 303 to /drops (with a notice code when refused).
func addToCart(cookies *cart.Cookies, carts *cart.Carts) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
		id := cookies.Ensure(w, r)
		to := "/drops"
		itemID, err := strconv.ParseInt(r.PostFormValue("item_id"), 10, 64)
		if err != nil {
			err = cart.ErrUnknownItem
		} else {
			err = carts.Add(r.Context(), id, itemID)
		}
		if err != nil {
			to += "?cart=failed"
			for _, n := range addNotices {
				if errors.Is(err, n.err) {
					to = "/drops?cart=" + n.code
					break
				}
			}
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
	})
}

// purchaseForm is POST /checkout, the purchase form's action for browsers without
// scripts: it buys the cart and answers 303 to the order, or back to /checkout with an
// error code.
func purchaseForm(cookies *cart.Cookies, carts *cart.Carts) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
		id, _ := cookies.Read(r)
		key := r.PostFormValue("key")
		if key == "" || len(key) > 64 {
			key = newPurchaseKey()
		}
		o, err := purchase(r.Context(), carts, id, key)
		if err != nil {
			http.Redirect(w, r, "/checkout?error="+purchaseCode(err), http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, completeURL(o.ID), http.StatusSeeOther)
	})
}
