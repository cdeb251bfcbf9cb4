// Stripe's Payment Element on the card payment page (templates/billing/payment_detail.html), with
// real Stripe keys only: the card is typed into Stripe's own frame, Stripe confirms the
// PaymentIntent and sends the browser back to the payment page, which reads the result from
// Stripe (billing.services.card.settle). The page's Content-Security-Policy allows js.stripe.com.
(() => {
  const form = document.getElementById("stripe-payment-form");
  if (!form || typeof Stripe === "undefined") return;
  const stripe = Stripe(form.dataset.publishableKey);
  const elements = stripe.elements({ clientSecret: form.dataset.clientSecret, locale: document.documentElement.lang || "auto" });
  elements.create("payment").mount("#stripe-payment-element");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const { error } = await stripe.confirmPayment({ elements, confirmParams: { return_url: form.dataset.returnUrl } });
    if (error) {
      document.getElementById("stripe-payment-error").textContent = error.message;
      button.disabled = false;
    }
  });
})();
