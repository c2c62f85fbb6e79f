// Injected first into a copy of the page: records uncaught errors and console.error calls.
window.__pageErrors = [];
window.addEventListener('error', function (e) { window.__pageErrors.push(String(e.message)); });
window.addEventListener('unhandledrejection', function (e) {
  window.__pageErrors.push('unhandled rejection: ' + String(e.reason));
});
(function () {
  var original = console.error;
  console.error = function () {
    window.__pageErrors.push(Array.prototype.join.call(arguments, ' '));
    return original.apply(console, arguments);
  };
})();
