// Starts GraphiQL (vendored, see static/vendor/README.md) on /graphql/explorer.
// A file of ours rather than an inline script, so the page runs under a CSP
// without 'unsafe-inline'. The key typed above the explorer is added to every
// request as Authorization: Bearer and sent nowhere else; it is not stored.
(function () {
  'use strict';

  var DEFAULT_QUERY = '# Paste a GraphQL key above, then run this query (Ctrl-Enter).\n' +
    '{\n  me {\n    name\n    roles { label level }\n    grants\n  }\n}\n';

  function start() {
    var form = document.getElementById('gx-key-form');
    var input = document.getElementById('gx-key');
    var mount = document.getElementById('graphiql');
    if (!form || !input || !mount || !window.GraphiQL || !window.React || !window.ReactDOM) {
      return;
    }
    var root = window.ReactDOM.createRoot(mount);

    function makeFetcher(key) {
      return function fetcher(params, opts) {
        var headers = { 'Content-Type': 'application/json', 'Accept': 'application/json' };
        if (opts && opts.headers) {
          Object.keys(opts.headers).forEach(function (k) { headers[k] = opts.headers[k]; });
        }
        if (key) {
          headers.Authorization = 'Bearer ' + key;
        }
        return window.fetch('/graphql', {
          method: 'POST',
          headers: headers,
          body: JSON.stringify(params),
          credentials: 'omit'
        }).then(function (r) { return r.json(); });
      };
    }

    function render() {
      // A new fetcher makes GraphiQL load the schema again with the new key.
      root.render(window.React.createElement(window.GraphiQL, {
        fetcher: makeFetcher(input.value.trim()),
        defaultQuery: DEFAULT_QUERY
      }));
    }

    form.addEventListener('submit', function (e) {
      e.preventDefault();
      render();
    });
    input.addEventListener('change', render);
    render();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
