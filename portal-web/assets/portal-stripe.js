// The portal's use of Stripe.js (docs/adr/0044), served at `/assets/stripe.js` after the
// configured Stripe.js itself. No inline script (the page's Content-Security-Policy allows this
// file and Stripe.js only); what each form needs is in its data- attributes.
//
// - `#stripe-setup`: a Stripe account's card form. Stripe's card element collects the card and
//   `confirmCardSetup` confirms our server's SetupIntent (3-D Secure included). Then the form is
//   posted: it carries only our setup's id, and the server asks Stripe how the SetupIntent ended.
// - `#stripe-payment`: a payment that waits for 3-D Secure. `confirmCardPayment` lets the bank
//   ask; then the browser goes back to our payment page, which asks Stripe how it ended.
//
// Both forms are `hidden` in the HTML and shown here: without JavaScript the page shows its
// <noscript> message with the other ways to pay instead.
(function () {
  "use strict";
  if (typeof window.Stripe !== "function") {
    return;
  }

  function say(form, text) {
    var status = form.querySelector("[role=status]");
    if (status) {
      status.textContent = text || "";
    }
  }

  var setup = document.getElementById("stripe-setup");
  if (setup) {
    var stripe = window.Stripe(setup.dataset.key);
    var card = stripe.elements().create("card");
    card.mount("#stripe-card");
    setup.hidden = false;
    var busy = false;
    setup.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) {
        return;
      }
      busy = true;
      var button = setup.querySelector("button[type=submit]");
      button.disabled = true;
      say(setup, setup.dataset.working);
      stripe.confirmCardSetup(setup.dataset.secret, { payment_method: { card: card } }).then(function (result) {
        if (result && result.setupIntent) {
          // The server asks Stripe; nothing from this answer is trusted.
          setup.submit();
          return;
        }
        busy = false;
        button.disabled = false;
        say(setup, setup.dataset.failed);
      });
    });
  }

  var payment = document.getElementById("stripe-payment");
  if (payment) {
    var stripePay = window.Stripe(payment.dataset.key);
    payment.hidden = false;
    var paying = false;
    payment.addEventListener("submit", function (event) {
      event.preventDefault();
      if (paying) {
        return;
      }
      paying = true;
      payment.querySelector("button[type=submit]").disabled = true;
      say(payment, payment.dataset.working);
      stripePay.confirmCardPayment(payment.dataset.secret).then(function () {
        // Back to our page, which asks Stripe how the payment ended.
        window.location.assign(payment.action);
      });
    });
  }
})();
