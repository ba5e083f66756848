// 医保服务圈 console: small progressive enhancements; every page works without them.
(function () {
  "use strict";

  function on(selector, event, handler) {
    document.querySelectorAll(selector).forEach(function (el) {
      el.addEventListener(event, handler);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    // "返回上一页" on error pages.
    on("[data-back]", "click", function (e) {
      if (window.history.length > 1) {
        e.preventDefault();
        window.history.back();
      }
    });

    // Forms that ask before doing something irreversible (closing a station).
    on("form[data-confirm]", "submit", function (e) {
      if (!window.confirm(this.getAttribute("data-confirm"))) {
        e.preventDefault();
      }
    });

    // CSV import: load the chosen file into the textarea (multipart uploads are not used).
    on("input[type=file][data-load-into]", "change", function () {
      var target = document.getElementById(this.getAttribute("data-load-into"));
      var file = this.files && this.files[0];
      if (!target || !file) {
        return;
      }
      var label = document.getElementById(this.getAttribute("data-name-into") || "");
      if (label) {
        label.textContent = file.name;
      }
      var reader = new FileReader();
      reader.onload = function () {
        target.value = String(reader.result || "").replace(/^\uFEFF/, "");
        target.focus();
      };
      reader.readAsText(file, "utf-8");
    });

    // Bulk delegation: select all / none.
    on("[data-check-all]", "click", function () {
      var name = this.getAttribute("data-check-all");
      document.querySelectorAll("input[type=checkbox][name='" + name + "']").forEach(function (box) {
        box.checked = true;
      });
    });
    on("[data-check-none]", "click", function () {
      var name = this.getAttribute("data-check-none");
      document.querySelectorAll("input[type=checkbox][name='" + name + "']").forEach(function (box) {
        box.checked = false;
      });
    });

    // 哪里能办: "使用我的位置" fills the coordinates and searches; choosing a place clears them.
    var form = document.getElementById("where-form");
    if (form) {
      var lon = document.getElementById("lon");
      var lat = document.getElementById("lat");
      var place = document.getElementById("place");
      var status = document.getElementById("locate-status");
      var locate = document.getElementById("locate");
      if (place) {
        place.addEventListener("change", function () {
          if (lon && lat) {
            lon.value = "";
            lat.value = "";
          }
        });
      }
      if (locate && navigator.geolocation) {
        locate.hidden = false;
        locate.addEventListener("click", function () {
          status.textContent = "正在获取您的位置……";
          navigator.geolocation.getCurrentPosition(
            function (position) {
              lon.value = position.coords.longitude.toFixed(6);
              lat.value = position.coords.latitude.toFixed(6);
              if (place) {
                place.value = "";
              }
              status.textContent = "已获取您的位置";
              var item = document.getElementById("item");
              if (item && item.value) {
                form.submit();
              } else {
                status.textContent = "已获取您的位置，请选择要办的事后点“查找”";
              }
            },
            function () {
              status.textContent = "无法获取您的位置，请从列表中选择乡镇（街道）";
            },
            { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 }
          );
        });
      }
    }
  });
})();
