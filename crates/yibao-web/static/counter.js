// The hall pages: the display board follows the server-sent events of its station; the slip
// page prints; a clock ticks on the board. No framework, no external requests.
(function () {
  "use strict";

  function text(tag, content, className) {
    var element = document.createElement(tag);
    element.textContent = content;
    if (className) element.className = className;
    return element;
  }

  function row(cells) {
    var tr = document.createElement("tr");
    cells.forEach(function (cell) { tr.appendChild(cell); });
    return tr;
  }

  function fill(tbody, rows) {
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    rows.forEach(function (r) { tbody.appendChild(r); });
  }

  function announce(message) {
    if (!("speechSynthesis" in window) || !window.SpeechSynthesisUtterance) return;
    try {
      var utterance = new SpeechSynthesisUtterance(message);
      utterance.lang = "zh-CN";
      window.speechSynthesis.speak(utterance);
    } catch (e) { /* no voice on this device */ }
  }

  function startBoard(body) {
    var station = body.getAttribute("data-board");
    var latest = document.getElementById("board-latest");
    var live = document.getElementById("board-live");
    var clock = document.getElementById("board-clock");
    var lastKey = null;

    function tick() {
      var now = new Date();
      clock.textContent = now.toLocaleTimeString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" });
    }
    tick();
    setInterval(tick, 1000);

    function render(board) {
      var first = board.calls[0];
      var key = first ? first.call_id + ":" + first.recalls : "";
      latest.textContent = first ? first.announcement : "欢迎光临，请取号等候";
      if (lastKey !== null && key !== lastKey && first) {
        var box = latest.parentNode;
        box.classList.remove("flash");
        void box.offsetWidth;
        box.classList.add("flash");
        announce(first.announcement);
      }
      lastKey = key;
      fill(document.querySelector("#board-calls tbody"), board.calls.map(function (c) {
        return row([text("td", c.number, "board-number"), text("td", c.window_number + " 号窗口"), text("td", c.at)]);
      }));
      fill(document.querySelector("#board-queues tbody"), board.queues.map(function (q) {
        var name = document.createElement("td");
        name.appendChild(text("span", q.prefix, "board-prefix"));
        name.appendChild(document.createTextNode(q.name));
        var wait = q.estimated_wait_minutes === null ? "暂无窗口" : "约 " + q.estimated_wait_minutes + " 分钟";
        return row([name, text("td", q.waiting + " 人"), text("td", wait)]);
      }));
    }

    var source = new EventSource("/api/counter/stations/" + encodeURIComponent(station) + "/board/events");
    source.addEventListener("board", function (event) {
      live.setAttribute("data-state", "live");
      live.textContent = "实时";
      render(JSON.parse(event.data));
    });
    source.onerror = function () {
      live.setAttribute("data-state", "lost");
      live.textContent = "重新连接中";
    };
  }

  document.addEventListener("DOMContentLoaded", function () {
    var board = document.querySelector("body[data-board]");
    if (board) startBoard(board);
    var print = document.querySelector("[data-print]");
    if (print) print.addEventListener("click", function () { window.print(); });
  });
})();
