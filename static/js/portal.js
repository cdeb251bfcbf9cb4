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

// Date boxes (accounts.forms.DatePickerInput) get a calendar in the page's language: the
// browser's own date input follows the browser's language, not the page's. Without JavaScript,
// or before this runs, the box is still the browser's date input and sends an ISO date; with it,
// the box shows the date as the page writes dates (portal/formats) and still sends ISO.
const DATE_SHOWN = { en: "j M Y", zh: "Y年n月j日" };

// What people type into the box: an ISO date (what the field sends, and what the box shows
// without JavaScript), 2026/12/7 or 2026年12月7日, or the date as the box shows it.
function parseTypedDate(text, format) {
  const numeric = text.trim().match(/^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/);
  if (numeric) return new Date(Number(numeric[1]), Number(numeric[2]) - 1, Number(numeric[3]));
  return flatpickr.parseDate(text, format);
}

// flatpickr's Chinese locale leaves the labels screen readers hear in English.
const CHINESE_CALENDAR = typeof flatpickr === "undefined" ? {} : {
  ...flatpickr.l10ns.zh,
  yearAriaLabel: "年份",
  monthAriaLabel: "月份",
  hourAriaLabel: "小时",
  minuteAriaLabel: "分钟",
};

function attachDatePickers(root) {
  if (typeof flatpickr === "undefined") return;
  const chinese = document.documentElement.lang.toLowerCase().startsWith("zh");
  root.querySelectorAll("input[data-datepicker]").forEach((input) => {
    if (input._flatpickr) return;
    input.type = "text";
    const picker = flatpickr(input, {
      // Weeks start on Monday in both languages, as portal/formats says (FIRST_DAY_OF_WEEK).
      locale: { ...(chinese ? CHINESE_CALENDAR : flatpickr.l10ns.default), firstDayOfWeek: 1 },
      dateFormat: "Y-m-d",
      altInput: true,
      altFormat: chinese ? DATE_SHOWN.zh : DATE_SHOWN.en,
      allowInput: true,
      disableMobile: true,
      parseDate: parseTypedDate,
      // No minDate / maxDate: flatpickr would silently drop a typed date outside them, where
      // the server says why it refuses the date (ordering.forms.CheckoutForm).
    });
    // The visible box takes the field's id and descriptions, so its label, the error summary's
    // link and screen readers reach the box people type in, not the hidden one that is sent.
    const shown = picker.altInput;
    for (const name of ["aria-describedby", "aria-invalid"]) {
      if (input.hasAttribute(name)) shown.setAttribute(name, input.getAttribute(name));
    }
    shown.id = input.id;
    input.removeAttribute("id");
  });
}

document.addEventListener("DOMContentLoaded", () => attachDatePickers(document));
// Parts htmx swaps in (checkout's body) get their pickers too.
document.addEventListener("htmx:load", (event) => attachDatePickers(event.target));
