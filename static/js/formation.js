// Drag and drop in the formation workspace: drop a person on a pod to move them, or on a person
// to swap the two. The same edits are available without a mouse ("Pick", then "Move here"/"Swap").
(function () {
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
