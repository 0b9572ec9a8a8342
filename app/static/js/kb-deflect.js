// Deflection: while a requester types a new request, suggest knowledge-base articles beside the form.
// "Questo ha risolto" records the deflection and closes the flow without sending a ticket.
(function () {
  var box = document.getElementById("kb-deflect");
  if (!box) { return; }
  var form = box.parentNode.querySelector("form") || document.querySelector("form[method=post]");
  var list = box.querySelector(".kb-deflect-list");
  var tpl = document.getElementById("kb-deflect-item");
  var timer = null;
  var lastQuery = "";

  function fields() {
    return ["subject", "description"].map(function (id) { return document.getElementById(id); })
      .filter(function (el) { return el; });
  }
  function query() {
    return fields().map(function (el) { return el.value; }).join(" ").trim();
  }
  function csrf() {
    var input = form && form.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }
  function render(items) {
    list.innerHTML = "";
    items.forEach(function (item) {
      var node = tpl.content.cloneNode(true);
      var link = node.querySelector(".kb-deflect-link");
      link.textContent = item.title;
      link.href = item.url;
      node.querySelector(".kb-deflect-summary").textContent = item.summary || "";
      node.querySelector(".kb-deflect-solved").addEventListener("click", function () { solved(item); });
      list.appendChild(node);
    });
    box.classList.toggle("d-none", items.length === 0);
  }
  function search() {
    var q = query();
    if (q === lastQuery) { return; }
    lastQuery = q;
    if (q.length < 4) { render([]); return; }
    fetch(box.dataset.suggestUrl + "?q=" + encodeURIComponent(q), {
      headers: { "Accept": "application/json" }, credentials: "same-origin"
    }).then(function (r) { return r.ok ? r.json() : { items: [] }; })
      .then(function (data) { if (q === lastQuery) { render(data.items || []); } })
      .catch(function () { render([]); });
  }
  function solved(item) {
    fetch(box.dataset.solvedUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "Accept": "application/json" },
      body: JSON.stringify({ article_id: item.id, source: box.dataset.source, query: query().slice(0, 500) })
    }).then(function (r) {
      if (!r.ok) { return; }
      if (form) { form.classList.add("d-none"); form.setAttribute("aria-hidden", "true"); }
      box.querySelector(".card-body").classList.add("d-none");
      box.querySelector(".kb-deflect-done").classList.remove("d-none");
    });
  }
  box.querySelector(".kb-deflect-again").addEventListener("click", function (ev) {
    ev.preventDefault();
    if (form) { form.classList.remove("d-none"); form.removeAttribute("aria-hidden"); }
    box.classList.add("d-none");
  });
  fields().forEach(function (el) {
    el.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 350);
    });
  });
  if (query()) { search(); }
})();
