// Starts Swagger UI on the API Documentation page (a file, not an inline
// script, so the page keeps its strict script-src).
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") return;
  window.ui = window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui",
    deepLinking: false,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // Nothing leaves this page: no validator badge, no remote calls.
    validatorUrl: null,
    persistAuthorization: false,
    displayOperationId: false,
    defaultModelsExpandDepth: 0,
  });
});
