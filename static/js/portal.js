// Tradecounter portal: the little the pages do in the browser. The Content-Security-Policy
// (script-src 'self', docs/operations.md) refuses inline scripts and onclick="…" attributes,
// so behaviour is attached here, by event delegation: elements that htmx swaps in work too.

// The add-to-cart stepper's − and + (templates/ordering/partials/add_to_cart.html) step the
// quantity by the order multiple; the server snaps whatever arrives and says so.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-step]");
  if (!button) return;
  const input = button.parentNode.querySelector("input[type=number]");
  if (!input) return;
  if (button.dataset.step === "down") input.stepDown();
  else input.stepUp();
});
