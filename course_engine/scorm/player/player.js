/* The packaged player: the module's pages (start, scenes, feedback, debrief, quiz, result)
 * drawn from window.COURSE with the rules in engine.js, reporting through runtime.js.
 *
 * Accessibility as in the web app: one heading per page, focus moved to it on every page
 * change, choices and answers as real form controls with labels, an error summary that links
 * to the field, everything by keyboard, nothing that needs a pointer or a wide screen.
 * Journal notes and the final reflection are kept in this browser's localStorage only.
 */
(function () {
  "use strict";

  var E = window.CourseEngine, R = window.CourseRuntime, COURSE = window.COURSE;
  var spec = COURSE.module, quiz = COURSE.quiz, module = new E.Module(spec);
  var runtime = new R.Runtime(COURSE.standard);
  var main = document.getElementById("main");
  var LABELS = { "safe": "Safe practice", "partly-safe": "Partly safe", "unsafe": "Unsafe practice" };
  var RESULTS = { "safe": "correct", "partly-safe": "neutral", "unsafe": "incorrect" };

  // Where the learner is: the moves made, the page (phase) and the quiz attempt.
  var resume = { moves: "", phase: "intro", quiz: null };
  var done = false;

  // --- small DOM helpers -----------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; }
      else if (k === "html") { node.innerHTML = attrs[k]; }
      else if (k === "onclick") { node.addEventListener("click", attrs[k]); }
      else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  }
  function button(text, onclick, secondary) {
    return el("button", { type: "button", "class": secondary ? "button button--secondary" : "button", text: text, onclick: onclick });
  }
  function page(title, nodes, progress) {
    main.innerHTML = "";
    if (progress) { main.appendChild(el("p", { "class": "progress", text: progress })); }
    var h1 = el("h1", { id: "heading", tabindex: "-1", text: title });
    main.appendChild(h1);
    nodes.forEach(function (n) { if (n) { main.appendChild(n); } });
    document.title = title + " – " + spec.title;
    h1.focus();
    window.scrollTo(0, 0);
  }
  /* The error summary goes at the top of the page (as on the site), links to the field and takes focus. */
  function errorSummary(form, message, targetId, fieldset) {
    var old = main.querySelector(".error-summary");
    if (old) { old.remove(); }
    form.querySelectorAll(".error").forEach(function (e) { e.remove(); });
    if (fieldset) {
      // The message beside the question too, read out with it.
      var note = el("p", { "class": "error", id: fieldset.id + "-error", text: "Error: " + message });
      fieldset.insertBefore(note, fieldset.querySelector("legend").nextSibling);
      fieldset.setAttribute("aria-describedby", note.id);
    }
    var link = el("a", { href: "#" + targetId, text: message });
    link.addEventListener("click", function (e) { e.preventDefault(); var t = document.getElementById(targetId); if (t) { t.focus(); } });
    var box = el("div", { "class": "error-summary", role: "alert", tabindex: "-1" },
      [el("h2", { text: "There is a problem" }), el("ul", {}, [el("li", {}, [link])])]);
    main.insertBefore(box, main.firstChild);
    box.focus();
  }

  // --- private notes (never sent) ----------------------------------------------------------
  function noteKey(id) { return "course-engine:" + COURSE.identifier + ":" + id; }
  function readNote(id) { try { return window.localStorage.getItem(noteKey(id)) || ""; } catch (e) { return ""; } }
  function writeNote(id, text) { try { window.localStorage.setItem(noteKey(id), text); return true; } catch (e) { return false; } }
  function noteField(id, promptHtml, label) {
    var fieldId = "note-" + id, status = el("p", { "class": "saved", id: fieldId + "-saved", "aria-live": "polite" });
    var area = el("textarea", { id: fieldId, name: fieldId, "aria-describedby": fieldId + "-hint " + fieldId + "-saved" });
    area.value = readNote(id);
    area.addEventListener("input", function () {
      status.textContent = writeNote(id, area.value) ? "Kept in this browser only." : "This browser cannot keep notes.";
    });
    return el("div", { "class": "callout callout--reflect" }, [
      promptHtml ? el("div", { html: promptHtml }) : null,
      el("label", { "for": fieldId, text: label }),
      el("p", { "class": "hint", id: fieldId + "-hint", text: "Private: it stays in this browser and is never sent to your learning system." }),
      area, status]);
  }

  // --- saving the resume point ---------------------------------------------------------------
  function save() {
    var state = E.replay(module, resume.moves).state;
    runtime.saveResume(state.scene, E.encodeSuspend(resume));
  }
  function go(phase) { resume.phase = phase; save(); show(); }

  // --- pages ---------------------------------------------------------------------------------
  function showIntro() {
    var nodes = [];
    if (spec.summary) { nodes.push(el("p", { "class": "lead", text: spec.summary })); }
    nodes.push(el("div", { "class": "callout" }, [el("p", { "class": "callout__title", text: "Before you start" }),
      el("p", { text: spec.content_warning }), el("p", { text: spec.support })]));
    nodes.push(el("div", { html: spec.intro_html }));
    nodes.push(button("Start the scenario", function () { go("play"); }));
    page(spec.title, nodes);
  }

  function choiceForm(scene, state, decisionNumber) {
    var form = el("form", { novalidate: "novalidate" });
    var fieldset = el("fieldset", { id: "choices" }, [el("legend", { text: "What do you do?" })]);
    scene.choices.forEach(function (c, i) {
      var id = "choice-" + i;
      fieldset.appendChild(el("div", { "class": "option" }, [
        el("input", { type: "radio", name: "choice", id: id, value: String(i) }),
        el("label", { "for": id, text: c.text })]));
    });
    form.appendChild(fieldset);
    form.appendChild(el("button", { type: "submit", "class": "button", text: "Choose" }));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var picked = form.querySelector("input[name=choice]:checked");
      if (!picked) { errorSummary(form, "Choose what you would do", "choice-0", fieldset); return; }
      decide(scene, parseInt(picked.value, 10), decisionNumber);
    });
    return form;
  }

  function decide(scene, index, decisionNumber) {
    var choice = scene.choices[index], best = E.bestChoice(scene);
    resume.moves += E.moveFor(index);
    runtime.recordDecision({ id: "decision-" + decisionNumber + "-" + scene.id, response: "choice-" + index,
      correct: "choice-" + best, result: RESULTS[choice.judgement] || "neutral",
      description: scene.title + ": " + choice.text });
    go("feedback");
  }

  function showScene(played) {
    var state = played.state, scene = module.scene(state.scene), nodes = [];
    nodes.push(el("div", { "class": "scene-body", html: E.shownHtml(scene.body_html, scene.passages, state) }));
    (scene.callouts || []).filter(function (c) { return c.kind === "reflect"; }).forEach(function (c) {
      nodes.push(noteField("journal-" + c.id, c.html, "Your note"));
    });
    var progress = null;
    if (scene.kind === "choices") {
      progress = "Decision " + (played.decisions.length + 1);
      nodes.push(choiceForm(scene, state, played.decisions.length + 1));
    } else if (scene.kind === "junction") {
      nodes.push(button("Continue", function () { resume.moves += E.CONTINUE; go("play"); }));
    } else {
      nodes.push(button("Go to the debrief", function () { go("debrief"); }));
    }
    page(scene.title, nodes, progress);
  }

  function judgementNode(judgement) {
    return el("span", { "class": "judgement judgement--" + judgement, text: LABELS[judgement] || judgement });
  }

  function showFeedback(played) {
    var last = played.decisions[played.decisions.length - 1];
    var scene = module.scene(last.scene), choice = scene.choices[last.index];
    page("What happened", [
      el("p", {}, [el("strong", { text: "You chose: " }), document.createTextNode(choice.text)]),
      el("p", {}, [judgementNode(choice.judgement), document.createTextNode(choice.why ? ": " + choice.why : "")]),
      el("div", { html: E.shownHtml(choice.feedback_html, choice.feedback_passages, played.state) }),
      button("Continue", function () { go("play"); })]);
  }

  function showDebrief(played) {
    var list = el("ol", { "class": "path" });
    played.decisions.forEach(function (d) {
      var scene = module.scene(d.scene), choice = scene.choices[d.index], best = E.bestChoice(scene);
      var item = el("li", {}, [el("strong", { text: scene.title + ": " }), document.createTextNode(choice.text + " "),
        judgementNode(choice.judgement)]);
      if (best !== d.index) { item.appendChild(el("div", { "class": "hint", text: "The recommended choice: " + scene.choices[best].text })); }
      list.appendChild(item);
    });
    var next = quiz ? button("Go to the quiz", function () { startQuiz(); }) : button("Finish the module", finishModule);
    page("Debrief", [el("div", { html: E.shownHtml(spec.debrief_html, spec.debrief_passages, played.state) }),
      el("h2", { text: "Your path" }), list,
      el("h2", { text: "Your reflection" }),
      noteField("reflection", "", "What will you do differently in your practice?"), next]);
  }

  // --- the quiz ------------------------------------------------------------------------------
  function newSeed() {
    var a = new Uint32Array(1);
    if (window.crypto && window.crypto.getRandomValues) { window.crypto.getRandomValues(a); } else { a[0] = Date.now(); }
    return a[0];
  }
  function startQuiz() {
    var q = resume.quiz || { attempts: 0, best: null, passed: false };
    q.seed = newSeed();
    q.answers = E.draw(quiz, q.seed).map(function () { return []; });
    resume.quiz = q;
    go("quiz");
  }
  function questionById(id) { return quiz.questions.filter(function (q) { return q.id === id; })[0]; }
  function attemptsLeft() { return spec.quiz_max_attempts ? spec.quiz_max_attempts - resume.quiz.attempts : Infinity; }

  function questionFieldset(q, drawn, n, total, answer) {
    var fs = el("fieldset", { id: "q-" + n, "data-question": q.id }, [el("legend", { text: "Question " + (n + 1) + " of " + total }),
      el("div", { "class": "stem", html: q.stem_html })]);
    var byIndex = {};
    q.options.forEach(function (o) { byIndex[o.index] = o; });
    if (q.type === "ordering") {
      fs.appendChild(el("p", { "class": "hint", text: "Give each item its position, 1 first." }));
      drawn.order.forEach(function (index) {
        var id = "q-" + n + "-item-" + index, select = el("select", { id: id, "data-item": String(index) },
          [el("option", { value: "", text: "Choose a position" })]);
        drawn.order.forEach(function (_x, pos) { select.appendChild(el("option", { value: String(pos), text: String(pos + 1) })); });
        var at = answer.indexOf(index);
        if (at >= 0) { select.value = String(at); }
        fs.appendChild(el("div", { "class": "field" }, [el("label", { "for": id, html: byIndex[index].text_html }), select]));
      });
      return fs;
    }
    var kind = q.type === "multiple" ? "checkbox" : "radio";
    if (kind === "checkbox") { fs.appendChild(el("p", { "class": "hint", text: "Choose every answer that applies." })); }
    drawn.order.forEach(function (index) {
      var id = "q-" + n + "-option-" + index, input = el("input", { type: kind, name: "q-" + n, id: id, value: String(index) });
      if (answer.indexOf(index) >= 0) { input.checked = true; }
      fs.appendChild(el("div", { "class": "option" }, [input, el("label", { "for": id, html: byIndex[index].text_html })]));
    });
    return fs;
  }

  function readAnswer(fs, q, drawn) {
    if (q.type === "ordering") {
      var positions = [];
      var complete = true;
      fs.querySelectorAll("select").forEach(function (s) {
        if (s.value === "") { complete = false; } else { positions[parseInt(s.value, 10)] = parseInt(s.getAttribute("data-item"), 10); }
      });
      var filled = positions.filter(function (x) { return x !== undefined; });
      return complete && filled.length === drawn.order.length ? filled : null;
    }
    var picked = [];
    fs.querySelectorAll("input:checked").forEach(function (i) { picked.push(parseInt(i.value, 10)); });
    return picked.length ? picked : null;
  }

  function showQuiz() {
    var drawn = E.draw(quiz, resume.quiz.seed), form = el("form", { novalidate: "novalidate" });
    drawn.forEach(function (d, n) { form.appendChild(questionFieldset(questionById(d.id), d, n, drawn.length, resume.quiz.answers[n] || [])); });
    form.appendChild(el("button", { type: "submit", "class": "button", text: "Submit answers" }));
    form.addEventListener("change", function () {
      drawn.forEach(function (d, n) { resume.quiz.answers[n] = readAnswer(document.getElementById("q-" + n), questionById(d.id), d) || []; });
      save();
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var responses = {}, missing = null;
      drawn.forEach(function (d, n) {
        var answer = readAnswer(document.getElementById("q-" + n), questionById(d.id), d);
        if (answer === null && missing === null) { missing = n; }
        responses[d.id] = answer || [];
        resume.quiz.answers[n] = answer || [];
      });
      if (missing !== null) {
        var first = document.getElementById("q-" + missing).querySelector("input, select");
        errorSummary(form, "Answer question " + (missing + 1) + (questionById(drawn[missing].id).type === "ordering" ? ": give each item a different position" : ""),
          first.id, document.getElementById("q-" + missing));
        return;
      }
      var graded = E.gradeAttempt(quiz, responses, drawn.map(function (d) { return d.id; }));
      var q = resume.quiz, ok = E.passed(graded.percent, spec.pass_mark || 0);
      q.attempts += 1;
      q.last = graded.percent;
      if (q.best === null || graded.percent > q.best) { q.best = graded.percent; }
      q.passed = q.passed || ok;
      // The LMS keeps the best attempt's score, and passed once passed.
      runtime.recordScore(q.best, q.passed);
      go("result");
    });
    var left = attemptsLeft();
    page(quiz.title, [el("p", { text: "Pass mark: " + (spec.pass_mark || 0) + "%. Attempt " + (resume.quiz.attempts + 1) +
      (left !== Infinity ? " of " + spec.quiz_max_attempts : "") + "." }), form]);
  }

  function showResult() {
    var q = resume.quiz, drawn = E.draw(quiz, q.seed), responses = {};
    drawn.forEach(function (d, n) { responses[d.id] = q.answers[n] || []; });
    var graded = E.gradeAttempt(quiz, responses, drawn.map(function (d) { return d.id; }));
    var ok = E.passed(graded.percent, spec.pass_mark || 0), list = el("ol", {});
    drawn.forEach(function (d) {
      var question = questionById(d.id), s = graded.scores[d.id];
      list.appendChild(el("li", {}, [el("div", { html: question.stem_html }),
        el("p", { "class": s.correct ? "judgement judgement--safe" : "judgement judgement--unsafe", text: s.correct ? "Right" : "Not right" }),
        question.explanation_html ? el("div", { html: question.explanation_html }) : null]));
    });
    var nodes = [el("p", { "class": "result " + (ok ? "result--passed" : "result--failed"),
      text: "You scored " + Math.floor(graded.percent) + "%: " + (ok ? "passed" : "not passed (the pass mark is " + (spec.pass_mark || 0) + "%)") + "." }), list];
    if (!q.passed && attemptsLeft() > 0) { nodes.push(button("Try the quiz again", function () { startQuiz(); })); }
    nodes.push(button("Finish the module", finishModule, !q.passed && attemptsLeft() > 0));
    page("Quiz result", nodes);
  }

  function finishModule() {
    done = true;
    runtime.recordCompleted(!!quiz);
    runtime.finish(true);
    page("You have finished this module", [el("p", { text: "Your learning system has your result. You can close this window." })]);
  }

  function show() {
    var played = E.replay(module, resume.moves);
    if (resume.phase === "intro") { return showIntro(); }
    if (resume.phase === "feedback" && played.decisions.length) { return showFeedback(played); }
    if (resume.phase === "debrief") { return showDebrief(played); }
    if (resume.phase === "quiz" && resume.quiz) { return showQuiz(); }
    if (resume.phase === "result" && resume.quiz) { return showResult(); }
    return showScene(played);
  }

  function brand() {
    var b = COURSE.brand, header = document.getElementById("brand");
    document.getElementById("brand-name").textContent = b.name;
    if (b.logo) {
      var img = el("img", { src: b.logo, alt: "" });
      if (b.logo_width && b.logo_height) { img.setAttribute("width", b.logo_width); img.setAttribute("height", b.logo_height); }
      header.insertBefore(el("span", { "class": "brand__logo" }, [img]), header.firstChild);
    }
  }

  function begin() {
    brand();
    runtime.initialize();
    var saved = runtime.resumePoint();
    if (saved) {
      try { var r = E.decodeSuspend(saved); E.replay(module, r.moves); resume = r; }
      catch (e) { resume = { moves: "", phase: "intro", quiz: null }; }
    }
    window.addEventListener("pagehide", function () { runtime.finish(done); });
    show();
  }

  begin();
}());
