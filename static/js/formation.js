// The formation pages, from a static file (the Content-Security-Policy allows no inline script).
//
// New run: person pickers. Each search box asks the server for people of the pool (htmx,
// debounced); choosing a result fills a pair (first person, then the second) or a pin (person to
// the chosen pod) and adds a chip holding a hidden input, which the form posts. Chips are removed
// with their own button. Every add and remove is announced in #pick-status.
//
// Review: drag a person onto a pod to move them, or onto a person to swap the two. The same edits
// are available without a mouse ("Pick", then "Move here"/"Swap").
(function () {
  "use strict";

  function say(text) {
    var status = document.getElementById("pick-status");
    if (status) status.textContent = text;
  }

  function searchBox(picker) {
    return picker.querySelector(".pick-search input[type=search]");
  }

  function clearResults(picker) {
    var results = picker.querySelector(".pick-results");
    if (results) results.innerHTML = "";
  }

  function setPending(picker, person) {
    var pending = picker.querySelector(".pick-pending");
    if (!person) {
      delete picker.dataset.pendingId;
      delete picker.dataset.pendingName;
      pending.hidden = true;
      pending.textContent = "";
      return;
    }
    picker.dataset.pendingId = person.id;
    picker.dataset.pendingName = person.name;
    pending.textContent = "";
    var label = document.createElement("span");
    label.textContent = person.name + " and …";
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "pending-cancel";
    cancel.setAttribute("aria-label", "Cancel the pair with " + person.name);
    cancel.textContent = "×";
    pending.append(label, cancel);
    pending.hidden = false;
  }

  function addChip(picker, value, label) {
    var chips = picker.querySelector(".pick-chips");
    var name = picker.dataset.picker + "_pick";
    var exists = Array.prototype.some.call(chips.querySelectorAll("input"), function (input) {
      return input.value === value;
    });
    if (exists) {
      say(label + " is already listed.");
      return;
    }
    var li = document.createElement("li");
    li.className = "pick-chip";
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    var text = document.createElement("span");
    text.className = "pick-chip-label";
    text.textContent = label;
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "chip-remove";
    remove.setAttribute("aria-label", "Remove " + label);
    remove.textContent = "×";
    li.append(input, text, remove);
    chips.append(li);
    say("Added " + label + ".");
  }

  function choose(button) {
    var picker = button.closest(".picker");
    var person = { id: button.dataset.id, name: button.dataset.name };
    var box = searchBox(picker);
    clearResults(picker);
    box.value = "";
    if (picker.dataset.kind === "pin") {
      var select = picker.querySelector(".pick-pod");
      if (!select || !select.value) {
        say("Choose a pod first.");
      } else {
        var pod = select.options[select.selectedIndex].text;
        addChip(picker, person.id + "," + select.value, person.name + " in " + pod);
      }
    } else if (!picker.dataset.pendingId) {
      setPending(picker, person);
      say(person.name + " chosen: now find the second person.");
    } else if (picker.dataset.pendingId === person.id) {
      say("Choose someone other than " + person.name + ".");
    } else {
      var first = picker.dataset.pendingName;
      addChip(picker, picker.dataset.pendingId + "," + person.id, first + " and " + person.name);
      setPending(picker, null);
    }
    box.focus();
  }

  document.addEventListener("click", function (ev) {
    var result = ev.target.closest && ev.target.closest(".pick-result");
    if (result) {
      choose(result);
      return;
    }
    var remove = ev.target.closest && ev.target.closest(".chip-remove");
    if (remove) {
      var chip = remove.closest(".pick-chip");
      var picker = remove.closest(".picker");
      var next = chip.nextElementSibling || chip.previousElementSibling;
      var label = chip.querySelector(".pick-chip-label").textContent;
      chip.remove();
      say("Removed " + label + ".");
      (next ? next.querySelector(".chip-remove") : searchBox(picker)).focus();
      return;
    }
    var cancel = ev.target.closest && ev.target.closest(".pending-cancel");
    if (cancel) {
      var owner = cancel.closest(".picker");
      say("Pair with " + owner.dataset.pendingName + " cancelled.");
      setPending(owner, null);
      searchBox(owner).focus();
    }
  });

  // Keyboard: Enter in a search box picks the first result (it never submits a form), the arrow
  // keys walk the results, Escape closes them.
  document.addEventListener("keydown", function (ev) {
    var picker = ev.target.closest && ev.target.closest(".picker");
    if (!picker) return;
    var results = Array.prototype.slice.call(picker.querySelectorAll(".pick-result"));
    var inBox = ev.target.matches("input[type=search]");
    var at = results.indexOf(ev.target);
    if (inBox && ev.key === "Enter") {
      ev.preventDefault();
      if (results.length) choose(results[0]);
    } else if (ev.key === "ArrowDown" && results.length && (inBox || at >= 0)) {
      ev.preventDefault();
      results[Math.min(at + 1, results.length - 1)].focus();
    } else if (ev.key === "ArrowUp" && at >= 0) {
      ev.preventDefault();
      (at === 0 ? searchBox(picker) : results[at - 1]).focus();
    } else if (ev.key === "Escape" && (inBox || at >= 0)) {
      clearResults(picker);
      searchBox(picker).focus();
    }
  });

  // --- Review: drag and drop ---------------------------------------------------------------
  let dragged = null;
  document.addEventListener("dragstart", (e) => {
    const chip = e.target.closest && e.target.closest(".chip[draggable=true]");
    if (!chip) return;
    dragged = chip.dataset.person;
    e.dataTransfer.setData("text/plain", dragged);
    chip.classList.add("dragging");
  });
  document.addEventListener("dragend", (e) => {
    const chip = e.target.closest && e.target.closest(".chip");
    if (chip) chip.classList.remove("dragging");
    document.querySelectorAll(".drop-target").forEach((el) => el.classList.remove("drop-target"));
  });
  document.addEventListener("dragover", (e) => {
    const card = e.target.closest && e.target.closest(".pod-proposal");
    if (!card || !dragged) return;
    e.preventDefault();
    card.classList.add("drop-target");
  });
  document.addEventListener("dragleave", (e) => {
    const card = e.target.closest && e.target.closest(".pod-proposal");
    if (card && !card.contains(e.relatedTarget)) card.classList.remove("drop-target");
  });
  document.addEventListener("drop", (e) => {
    const card = e.target.closest && e.target.closest(".pod-proposal");
    const workspace = document.getElementById("workspace");
    if (!card || !dragged || !workspace) return;
    e.preventDefault();
    const onChip = e.target.closest(".chip");
    const values = onChip && onChip.dataset.person !== dragged
      ? { action: "swap", person: dragged, other: onChip.dataset.person }
      : { action: "move", person: dragged, pod: card.dataset.pod };
    dragged = null;
    htmx.ajax("POST", workspace.dataset.editUrl, { target: "#workspace", swap: "outerHTML", values: values });
  });
})();

// New run: "Add a mission" appends a row from the page's template, numbered after the others.
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    var add = ev.target.closest && ev.target.closest("#mission-add");
    if (!add) return;
    var rows = document.getElementById("mission-rows");
    var template = document.getElementById("mission-template");
    if (!rows || !template) return;
    var n = rows.querySelectorAll(".mission-row").length;
    var html = template.innerHTML.split("__n__").join(String(n)).split("__number__").join(String(n + 1));
    rows.insertAdjacentHTML("beforeend", html);
    var first = rows.lastElementChild.querySelector("input");
    if (first) first.focus();
  });
})();
