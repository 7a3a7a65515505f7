/*
 * Kiln & Co, browser side. window.statsigClient is the official @statsig/js-client that the
 * server's bootstrap tag started from the JSON embedded in this page: every value below is read
 * from that bootstrap, with no request to Statsig (its events go to this server's /statsig/rgstr).
 */
(function () {
  "use strict";
  var client = window.statsigClient;
  if (!client) {
    var missing = document.getElementById("client-missing");
    if (missing) missing.hidden = false;
    return;
  }

  // A gate only the browser checks: the server never evaluates promo_banner for this page.
  var banner = document.getElementById("promo-banner");
  if (banner && client.checkGate("promo_banner")) {
    banner.hidden = false;
  }

  // The debug table: read each value again without logging another exposure.
  var quiet = { disableExposureLog: true };
  var readers = {
    gate: function (name) {
      var gate = client.getFeatureGate(name, quiet);
      return [String(gate.value), gate.details.reason];
    },
    experiment: function (name) {
      var experiment = client.getExperiment(name, quiet);
      return [experiment.groupName || "none", experiment.details.reason];
    },
    config: function (name, param) {
      var config = client.getDynamicConfig(name, quiet);
      return [String(config.get(param)), config.details.reason];
    },
    layer: function (name, param) {
      var layer = client.getLayer(name, quiet);
      return [String(layer.get(param)), layer.details.reason];
    }
  };
  document.querySelectorAll("tr[data-kind]").forEach(function (row) {
    var read = readers[row.dataset.kind];
    if (!read) return;
    var result = read(row.dataset.name, row.dataset.param);
    var server = row.querySelector(".server");
    row.querySelector(".browser").textContent = result[0];
    row.querySelector(".reason").textContent = result[1];
    if (server && server.dataset.value !== undefined) {
      row.classList.add(server.dataset.value === result[0] ? "agree" : "differ");
    }
  });
})();
