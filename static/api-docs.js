// Starts Swagger UI on the API Documentation page (a file, not an inline
// script, so the page keeps its strict script-src).
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") return;
  var own = root.getAttribute("data-spec-url");
  var platform = root.getAttribute("data-platform-url");
  // With the platform's document too: both in the top bar's selector
  // ("Select a definition"), keydesk's first.
  var source = platform
    ? {
        urls: [
          { url: own, name: "keydesk Key API" },
          { url: platform, name: "Platform API" },
        ],
        "urls.primaryName": "keydesk Key API",
      }
    : { url: own };
  var config = {
    dom_id: "#swagger-ui",
    deepLinking: false,
    presets: platform
      ? [window.SwaggerUIBundle.presets.apis, window.SwaggerUIStandalonePreset]
      : [window.SwaggerUIBundle.presets.apis],
    layout: platform ? "StandaloneLayout" : "BaseLayout",
    // Nothing leaves this page: no validator badge, no remote calls.
    validatorUrl: null,
    persistAuthorization: false,
    displayOperationId: false,
    defaultModelsExpandDepth: 0,
  };
  for (var k in source) config[k] = source[k];
  window.ui = window.SwaggerUIBundle(config);
});
