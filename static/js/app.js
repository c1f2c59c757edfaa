// Crowdwise: progressive enhancement only. Every page works without this
// file; with it, votes and follows update in place and the new-idea form
// suggests existing ideas while the title is typed.
"use strict";

// A discussion shows a page of comments at a time, so an older link to one
// comment (#comment-N, without ?comment=N) may name one on another page:
// open the page that holds it.
(function () {
  var m = /^#comment-(\d+)$/.exec(window.location.hash);
  if (!m || document.getElementById("comment-" + m[1]) || !document.getElementById("comments")) return;
  if (new URLSearchParams(window.location.search).has("comment")) return;
  window.location.replace(window.location.pathname + "?comment=" + m[1] + window.location.hash);
})();

(function () {
  function csrf(form) {
    var input = form.querySelector('input[name="_csrf"]');
    return input ? input.value : "";
  }

  // send calls the API. Signed out (401), it goes to sign in — or, given
  // signedOut, leaves that to it.
  function send(method, url, token, signedOut) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": token, "Accept": "application/json" }
    }).then(function (res) {
      if (res.status === 401) {
        if (signedOut) signedOut();
        else window.location.href = "/signin?next=" + encodeURIComponent(window.location.pathname);
        throw new Error("signed out");
      }
      return res.json().then(function (body) {
        if (!res.ok) {
          throw new Error(body && body.error ? body.error.message : "Something went wrong.");
        }
        return body;
      });
    });
  }

  function notify(message) {
    var box = document.getElementById("js-toast");
    if (!box) {
      box = document.createElement("p");
      box.id = "js-toast";
      box.className = "alert alert--error toast";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    box.textContent = message;
    box.hidden = false;
    setTimeout(function () { box.hidden = true; }, 5000);
  }

  // Votes: PUT or DELETE /api/v1/ideas/:id/vote, then update the box.
  function onVote(form) {
    var on = form.querySelector('input[name="on"]');
    var voting = on.value === "true";
    var button = form.querySelector("button");
    button.disabled = true;
    // A visitor's vote posts the form itself: the server keeps the vote
    // while they sign in and casts it afterwards.
    var signedOut = voting ? function () { form.submit(); } : null;
    send(voting ? "PUT" : "DELETE", "/api/v1/ideas/" + form.dataset.idea + "/vote", csrf(form), signedOut)
      .then(function (st) {
        var box = form.closest("[data-vote-box]");
        box.querySelector("[data-vote-count]").textContent = st.vote_count;
        box.classList.toggle("is-voted", st.voted);
        on.value = st.voted ? "false" : "true";
        button.setAttribute("aria-pressed", st.voted ? "true" : "false");
        button.title = st.voted ? "Remove your vote" : "Vote for this idea";
      })
      .catch(function (e) { if (e.message !== "signed out") notify(e.message); })
      .then(function () { button.disabled = false; });
  }

  function onFollow(form) {
    var on = form.querySelector('input[name="on"]');
    var button = form.querySelector("button");
    button.disabled = true;
    send(on.value === "true" ? "PUT" : "DELETE", "/api/v1/ideas/" + form.dataset.idea + "/follow", csrf(form))
      .then(function (st) {
        on.value = st.following ? "false" : "true";
        button.textContent = st.following ? "Following" : "Follow";
        button.setAttribute("aria-pressed", st.following ? "true" : "false");
        var count = document.querySelector("[data-follower-count]");
        if (count) count.textContent = st.follower_count + (st.follower_count === 1 ? " follower" : " followers");
      })
      .catch(function (e) { if (e.message !== "signed out") notify(e.message); })
      .then(function () { button.disabled = false; });
  }

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.matches("[data-vote-form]")) {
      ev.preventDefault();
      onVote(form);
    } else if (form.matches("[data-follow-form]")) {
      ev.preventDefault();
      onFollow(form);
    }
  });

  // Opening an unread notification marks it read on the way (the buttons
  // do the same without JavaScript). keepalive lets the request finish
  // while the browser follows the link.
  document.addEventListener("click", function (ev) {
    var link = ev.target.closest && ev.target.closest("a[data-read-id]");
    if (!link) return;
    var token = document.querySelector('input[name="_csrf"]');
    var body = new URLSearchParams({ id: link.dataset.readId, _csrf: token ? token.value : "" });
    fetch("/notifications/read", { method: "POST", body: body, credentials: "same-origin", keepalive: true, redirect: "manual" })
      .catch(function () {});
  });

  // Destructive links (delete, unmerge) lead to a confirm page without
  // JavaScript; here one click asks with confirm() and posts the action.
  document.addEventListener("click", function (ev) {
    var link = ev.target.closest && ev.target.closest("a[data-confirm]");
    if (!link) return;
    ev.preventDefault();
    if (!window.confirm(link.dataset.confirm)) return;
    var token = document.querySelector('input[name="_csrf"]');
    var form = document.createElement("form");
    form.method = "post";
    form.action = link.getAttribute("href");
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "_csrf";
    input.value = token ? token.value : "";
    form.appendChild(input);
    document.body.appendChild(form);
    form.submit();
  });

  // Text limits: a running count under every textarea with a maxlength, so
  // the limit shows before anything is sent (the browser enforces it; the
  // count turns red within a tenth of it).
  function countCharacters(field) {
    var max = parseInt(field.getAttribute("maxlength"), 10);
    if (!max) return;
    var out = document.createElement("p");
    out.className = "form__counter";
    out.setAttribute("data-counter", "");
    function update() {
      var n = field.value.length;
      out.textContent = n.toLocaleString("en-US") + " / " + max.toLocaleString("en-US") + " characters";
      out.classList.toggle("is-near", n >= max * 0.9);
    }
    field.addEventListener("input", update);
    field.insertAdjacentElement("afterend", out);
    update();
  }
  document.querySelectorAll("textarea[maxlength]").forEach(countCharacters);

  // Moderation queue: "All" checks every item of its form; unchecking one
  // item unchecks "All" (which, without JavaScript, means every shown item).
  document.addEventListener("change", function (ev) {
    var box = ev.target;
    if (!box.form || box.type !== "checkbox") return;
    var all = box.form.querySelector("[data-select-all]");
    if (!all) return;
    var items = box.form.querySelectorAll('input[type="checkbox"][name="item"]');
    if (box === all) {
      items.forEach(function (it) { it.checked = all.checked; });
    } else if (box.name === "item") {
      all.checked = Array.prototype.every.call(items, function (it) { return it.checked; });
    }
  });

  // Duplicate suggestions while typing a new idea's title.
  var source = document.querySelector("[data-similar-source]");
  var target = document.querySelector("[data-similar-target]");
  if (!source || !target) return;
  var token = csrf(source.form);
  // Suggestions appear while typing, so the server's no-JavaScript confirm
  // step would only repeat them.
  var confirm = document.createElement("input");
  confirm.type = "hidden";
  confirm.name = "confirm";
  confirm.value = "true";
  source.form.appendChild(confirm);
  var timer = null;
  var last = "";

  // "under_review" → "Under review", as the server's status labels read.
  function statusLabel(status) {
    var s = String(status || "").replace(/_/g, " ");
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  function render(ideas) {
    target.textContent = "";
    if (!ideas.length) {
      target.hidden = true;
      return;
    }
    var h = document.createElement("h2");
    h.className = "h3";
    h.textContent = "Has someone asked for this already?";
    var list = document.createElement("ul");
    list.className = "suggestions__list";
    ideas.forEach(function (idea) {
      var li = document.createElement("li");
      li.className = "suggestions__item";
      var a = document.createElement("a");
      a.href = idea.url;
      a.textContent = idea.title;
      // The status says why a suggestion takes no votes (shipped, declined).
      var badge = document.createElement("span");
      badge.className = "badge badge--" + idea.status;
      badge.textContent = statusLabel(idea.status);
      var votes = document.createElement("span");
      votes.className = "muted";
      votes.setAttribute("data-suggestion-votes", "");
      votes.textContent = " · " + idea.vote_count + (idea.vote_count === 1 ? " vote" : " votes");
      li.appendChild(a);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(badge);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(votes);
      list.appendChild(li);
      if (!idea.voted && !idea.votable) {
        var closed = document.createElement("span");
        closed.className = "muted";
        closed.textContent = " · Voting is closed";
        li.appendChild(closed);
        return;
      }
      var btn = document.createElement("button");
      btn.type = "button";
      btn.className = "btn btn--sm";
      btn.textContent = idea.voted ? "You voted for this" : "Vote for this instead";
      btn.disabled = idea.voted;
      btn.addEventListener("click", function () {
        btn.disabled = true;
        send("PUT", "/api/v1/ideas/" + idea.id + "/vote", token).then(function (st) {
          votes.textContent = " · " + st.vote_count + (st.vote_count === 1 ? " vote" : " votes");
          btn.textContent = "You voted for this";
        }).catch(function (e) { btn.disabled = false; notify(e.message); });
      });
      li.appendChild(document.createTextNode(" "));
      li.appendChild(btn);
    });
    target.appendChild(h);
    target.appendChild(list);
    target.hidden = false;
  }

  source.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var title = source.value.trim();
      if (title === last) return;
      last = title;
      if (title.length < 3) { render([]); return; }
      fetch("/api/v1/ideas/similar?title=" + encodeURIComponent(title), { credentials: "same-origin" })
        .then(function (res) { return res.ok ? res.json() : { ideas: [] }; })
        .then(function (body) { if (source.value.trim() === title) render(body.ideas || []); })
        .catch(function () {});
    }, 250);
  });
})();

// Backlog board (/staff/backlog): drag a card onto another column to move
// it, through the same API as the move buttons' form. Without JavaScript
// the buttons do the job.
(function () {
  var board = document.querySelector("[data-board]");
  if (!board) return;
  var dragged = null;
  board.addEventListener("dragstart", function (e) {
    var card = e.target.closest && e.target.closest("[data-item]");
    if (!card) return;
    dragged = card;
    card.classList.add("is-dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", card.dataset.item);
  });
  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
  });
  board.addEventListener("dragover", function (e) {
    if (dragged && e.target.closest("[data-column]")) e.preventDefault();
  });
  board.addEventListener("drop", function (e) {
    var column = e.target.closest("[data-column]");
    if (!dragged || !column) return;
    e.preventDefault();
    var card = dragged;
    var token = card.querySelector('input[name="_csrf"]');
    fetch("/api/v1/backlog/" + card.dataset.item + "/status", {
      method: "PUT",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": token ? token.value : "", "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ column: column.dataset.column })
    }).then(function (res) {
      if (!res.ok) throw new Error("move failed");
      window.location.reload();
    }).catch(function () {
      window.alert("The card could not be moved. Please use the move buttons.");
    });
  });
})();
