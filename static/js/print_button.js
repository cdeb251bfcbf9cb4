// A button with data-print-page prints the page (the page's print CSS decides what shows).
document.addEventListener("click", (event) => {
    if (event.target.closest("[data-print-page]")) {
        window.print();
    }
});
