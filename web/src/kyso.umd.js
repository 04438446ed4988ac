// kyso.umd.js - kyso.js for pages without modules: a plain <script> that
// defines window.Kyso (and module.exports / AMD where those exist). It is a
// thin loader, not a second copy: the first call imports kyso.js from
// beside this file (dynamic import() works in classic scripts in every
// browser that runs WebAssembly), so there is one implementation to keep.
//
//   <script src="/kyso/kyso.umd.js"></script>
//   <script>
//     Kyso.connect().then(function (kyso) { return kyso.certificates(); })
//   </script>
(function (root, factory) {
  var api = factory(root);
  if (typeof define === 'function' && define.amd) define([], function () { return api; });
  else if (typeof module === 'object' && module.exports) module.exports = api;
  root.Kyso = api;
})(typeof self !== 'undefined' ? self : this, function (root) {
  'use strict';
  var script = root.document && root.document.currentScript;
  var base = script && script.src ? script.src : (root.location ? root.location.href : '');
  var loading = null;

  // The ES module, loaded once.
  function load() {
    if (!loading) {
      loading = import(new URL('./kyso.js', base).href);
      loading.catch(function () { loading = null; });
    }
    return loading;
  }

  return {
    load: load,
    connect: function (options) {
      return load().then(function (m) { return m.connect(options); });
    },
    // True for errors kyso throws (KysoError from kyso-errors.js).
    isKysoError: function (e) {
      return !!e && e.name === 'KysoError' && typeof e.code === 'string';
    },
  };
});
