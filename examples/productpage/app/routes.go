package app

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/glint-go/glint/examples/productpage/admin"
	"github.com/glint-go/glint/examples/productpage/cart"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/live"
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

// pageSession binds into each page's signed live session what its join needs: for a
// shop page, the request's cart id; for the admin page, whose GET passed basic auth, a
// join grant (admin.Grants).
func pageSession(cookies *cart.Cookies, grants *admin.Grants) func(r *http.Request) (map[string]string, error) {
	return func(r *http.Request) (map[string]string, error) {
		if r.Context().Value(adminAuthenticatedKey{}) != nil {
			return map[string]string{sessionAdminGrant: grants.Issue()}, nil
		}
		if id, ok := cookies.Read(r); ok {
			return map[string]string{sessionCartKey: id}, nil
		}
		return nil, nil
	}
}

// sessionAdminGrant is the live session key of the admin page's join grant.
const sessionAdminGrant = "admin_grant"

type adminAuthenticatedKey struct{}

// adminAuthenticated marks requests that passed the admin's basic auth (it wraps the
// handler behind admin.BasicAuth), so that pageSession grants them a join.
func adminAuthenticated(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), adminAuthenticatedKey{}, true)))
	})
}

// adminJoin is the admin pages' mount hook. The first render's GET passed basic auth; a
// join must redeem the grant that GET issued, once and within its lifetime. A refused
// join is sent back to /admin, which reloads the page through basic auth: a reconnecting
// admin gets a fresh grant, anyone else the login prompt.
func adminJoin(grants *admin.Grants, logger *slog.Logger) live.MountHook {
	return func(ctx context.Context, s *live.Socket, _ live.View, _ live.Params) error {
		if !s.Connected() {
			return nil
		}
		if err := grants.Redeem(s.Session()[sessionAdminGrant]); err != nil {
			logger.Info("admin page join refused; reloading through basic auth", "err", err)
			s.Redirect("/admin")
		}
		return nil
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
