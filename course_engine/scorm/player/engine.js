/* The scenario and quiz rules of course-engine's content core, for the SCORM player.
 *
 * Mirrors course_engine/content/engine.py (moves, junctions), conditions.py (conditional
 * passages) and grading.py (scoring); tests/scorm/test_engine_js.py runs this file in node
 * beside the Python on every module and quiz of the library, so the two cannot drift apart.
 * One documented difference: the quiz draw uses its own seeded generator (mulberry32), so a
 * seed gives other questions than the web app would draw; the rules (how many, shuffled or
 * not, "keep last" options pinned, an ordering never shown in its answer order) are the same.
 *
 * Pure: no DOM, no network. Loaded by a script tag (window.CourseEngine) or by node (module.exports).
 */
(function (root) {
  "use strict";

  var EPS = 1e-4;
  var RANK = { "safe": 0, "partly-safe": 1, "unsafe": 2 };
  var OPS = {
    ">=": function (a, b) { return a >= b; },
    "<=": function (a, b) { return a <= b; },
    ">": function (a, b) { return a > b; },
    "<": function (a, b) { return a < b; },
    "==": function (a, b) { return a === b; },
    "!=": function (a, b) { return a !== b; }
  };

  function EngineError(message) { this.name = "EngineError"; this.message = message; }
  EngineError.prototype = Object.create(Error.prototype);

  function Module(spec) {
    this.spec = spec;
    this.index = {};
    for (var i = 0; i < spec.scenes.length; i++) { this.index[spec.scenes[i].id] = spec.scenes[i]; }
  }
  Module.prototype.scene = function (id) {
    var s = this.index[id];
    if (!s) { throw new EngineError("no scene " + id); }
    return s;
  };

  // --- state: scene, counters, facts, visited (conditions.py / engine.py State) ---------

  function copy(obj) { var out = {}; for (var k in obj) { if (Object.prototype.hasOwnProperty.call(obj, k)) { out[k] = obj[k]; } } return out; }

  function arrive(state, scene, counters, facts) {
    var f = copy(state.facts), v = copy(state.visited);
    (facts || []).forEach(function (x) { f[x] = true; });
    (scene.establishes || []).forEach(function (x) { f[x] = true; });
    v[scene.id] = true;
    return { scene: scene.id, counters: counters || state.counters, facts: f, visited: v };
  }

  function termHolds(term, state) {
    var kind = term[0], negated = !!term[1], name = term[2], op = term[3], value = term[4];
    var result;
    if (kind === "fact") { result = !!state.facts[name]; }
    else if (kind === "visited") { result = !!state.visited[name]; }
    else { result = OPS[op](state.counters[name] || 0, value); }
    return result !== negated;
  }

  function holds(condition, state) {
    if (!condition || !condition.length) { return true; }
    return condition.some(function (clause) { return clause.every(function (t) { return termHolds(t, state); }); });
  }

  function passageShown(p, state) {
    if (p.kind === "if") { return holds(p.condition, state); }
    if (p.kind === "else") { return !holds(p.condition, state); }
    return true;
  }

  /* The HTML a learner in this state sees (conditions.shown_html). */
  function shownHtml(html, passages, state) {
    if (!passages || !passages.length) { return html; }
    return passages.filter(function (p) { return p.html && passageShown(p, state); })
      .map(function (p) { return p.html; }).join("\n");
  }

  function routeHolds(route, counters) {
    return route.conditions.every(function (c) { return OPS[c[1]](counters[c[0]] || 0, c[2]); });
  }

  function routeTarget(scene, counters) {
    for (var i = 0; i < scene.routes.length; i++) {
      if (routeHolds(scene.routes[i], counters)) { return scene.routes[i].target; }
    }
    throw new EngineError("junction " + scene.id + " has no route");
  }

  function applyEffects(effects, counters) {
    var out = copy(counters);
    (effects || []).forEach(function (e) {
      var name = e[0], op = e[1], amount = e[2];
      if (op === "+") { out[name] = (out[name] || 0) + amount; }
      else if (op === "-") { out[name] = (out[name] || 0) - amount; }
      else { out[name] = amount; }
    });
    return out;
  }

  function hasText(scene) {
    return !!scene.body_html || (scene.passages || []).some(function (p) { return !!p.html; });
  }

  function settle(module, state) {
    var seen = {};
    for (;;) {
      var scene = module.scene(state.scene);
      if (scene.kind !== "junction" || hasText(scene)) { return state; }
      if (seen[state.scene]) { throw new EngineError("junctions loop at " + state.scene); }
      seen[state.scene] = true;
      state = arrive(state, module.scene(routeTarget(scene, state.counters)));
    }
  }

  function start(module) {
    var empty = { scene: "", counters: copy(module.spec.counters), facts: {}, visited: {} };
    return settle(module, arrive(empty, module.scene(module.spec.start)));
  }

  function choose(module, state, index) {
    var scene = module.scene(state.scene);
    if (scene.kind !== "choices") { throw new EngineError("scene " + scene.id + " has no choices"); }
    if (!(index >= 0 && index < scene.choices.length)) { throw new EngineError("no choice " + index); }
    var choice = scene.choices[index];
    return settle(module, arrive(state, module.scene(choice.target), applyEffects(choice.effects, state.counters),
      choice.establishes));
  }

  function continueJunction(module, state) {
    var scene = module.scene(state.scene);
    if (scene.kind !== "junction") { throw new EngineError("scene " + scene.id + " is not a junction"); }
    return settle(module, arrive(state, module.scene(routeTarget(scene, state.counters))));
  }

  function bestChoice(scene) {
    var best = 0;
    for (var i = 1; i < scene.choices.length; i++) {
      var r = RANK[scene.choices[i].judgement], b = RANK[scene.choices[best].judgement];
      if ((r === undefined ? 99 : r) < (b === undefined ? 99 : b)) { best = i; }
    }
    return best;
  }

  /* Replay moves ("0".."z": a choice's index in base 36, "-": Continue at a junction) from the
   * start. Returns the state and the decisions made, [{scene, index}], in order. */
  var CONTINUE = "-";
  function replay(module, moves) {
    var state = start(module), decisions = [];
    for (var i = 0; i < moves.length; i++) {
      var ch = moves.charAt(i);
      if (ch === CONTINUE) { state = continueJunction(module, state); continue; }
      var index = parseInt(ch, 36);
      if (isNaN(index)) { throw new EngineError("bad move " + ch); }
      decisions.push({ scene: state.scene, index: index });
      state = choose(module, state, index);
    }
    return { state: state, decisions: decisions };
  }

  function moveFor(index) { return index.toString(36); }

  // --- the quiz (grading.py) -------------------------------------------------------------

  /* mulberry32: a small, well-known seeded generator (see the note at the top). */
  function rng(seed) {
    var a = seed >>> 0;
    return function () {
      a = (a + 0x6D2B79F5) >>> 0;
      var t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function shuffle(list, random) {
    for (var i = list.length - 1; i > 0; i--) {
      var j = Math.floor(random() * (i + 1));
      var t = list[i]; list[i] = list[j]; list[j] = t;
    }
    return list;
  }

  function stringSeed(text) {
    var h = 2166136261;
    for (var i = 0; i < text.length; i++) { h = Math.imul(h ^ text.charCodeAt(i), 16777619); }
    return h >>> 0;
  }

  function sameOrder(a, b) {
    if (a.length !== b.length) { return false; }
    for (var i = 0; i < a.length; i++) { if (a[i] !== b[i]) { return false; } }
    return true;
  }

  function optionOrder(question, random) {
    var indices = question.options.map(function (o) { return o.index; });
    if (question.type === "ordering") {
      var order = shuffle(indices.slice(), random || rng(stringSeed(question.id)));
      var answer = question.correct_order && question.correct_order.length ? question.correct_order : indices;
      if (order.length > 1 && sameOrder(order, answer)) { order = order.slice(1).concat(order.slice(0, 1)); }
      return order;
    }
    if (!random || question.type === "true-false") { return indices; }
    var movable = question.options.filter(function (o) { return !o.keep_last; }).map(function (o) { return o.index; });
    var pinned = question.options.filter(function (o) { return o.keep_last; }).map(function (o) { return o.index; });
    return shuffle(movable, random).concat(pinned);
  }

  /* The questions of one attempt: [{id, order}] (grading.draw's rules). */
  function draw(quiz, seed) {
    var random = rng(seed);
    var count = Math.min(quiz.draw, quiz.questions.length);
    var picked = quiz.shuffle ? shuffle(quiz.questions.slice(), random).slice(0, count) : quiz.questions.slice(0, count);
    return picked.map(function (q) { return { id: q.id, order: optionOrder(q, quiz.shuffle ? random : null) }; });
  }

  function clamp01(x) { return Math.max(0, Math.min(1, x)); }

  /* One response's score (grading.score_question): {earned, possible, correct}. */
  function scoreQuestion(question, response) {
    var possible = Number(question.points);
    response = response || [];
    var valid = {};
    question.options.forEach(function (o) { valid[o.index] = o.weight; });
    response.forEach(function (i) { if (!(i in valid)) { throw new EngineError("question " + question.id + " has no option " + i); } });
    if (question.type === "ordering") {
      var correct = question.correct_order && question.correct_order.length ? question.correct_order
        : Object.keys(valid).map(Number).sort(function (a, b) { return a - b; });
      if (!correct.length) { return { earned: 0, possible: possible, correct: false }; }
      var right = 0;
      for (var k = 0; k < Math.min(response.length, correct.length); k++) { if (response[k] === correct[k]) { right++; } }
      return { earned: possible * (right / correct.length), possible: possible, correct: sameOrder(response, correct) };
    }
    if (question.type === "single" || question.type === "true-false") {
      if (response.length !== 1) { return { earned: 0, possible: possible, correct: false }; }
      var w = valid[response[0]];
      return { earned: possible * clamp01(w / 100), possible: possible, correct: w >= 100 - EPS };
    }
    var seen = {}, total = 0;
    response.forEach(function (i) { if (!seen[i]) { seen[i] = true; total += valid[i]; } });
    var fraction = clamp01(total / 100);
    if (fraction >= 1 - EPS) { fraction = 1; }
    return { earned: possible * fraction, possible: possible, correct: fraction === 1 };
  }

  /* The attempt's score over the drawn questions (grading.grade_attempt). */
  function gradeAttempt(quiz, responses, ids) {
    var byId = {};
    quiz.questions.forEach(function (q) { byId[q.id] = q; });
    var earned = 0, possible = 0, scores = {};
    ids.forEach(function (id) {
      var s = scoreQuestion(byId[id], responses[id]);
      scores[id] = s; earned += s.earned; possible += s.possible;
    });
    var percent = possible ? Math.round(1e6 * earned / possible) / 1e4 : 0;
    return { earned: earned, possible: possible, percent: percent, scores: scores };
  }

  function passed(percent, passMark) { return percent + EPS >= passMark; }

  // --- the resume point (cmi.suspend_data) -------------------------------------------------
  /* Compact JSON: {v, m: moves, p: phase, q: quiz}. The quiz part is {s: seed, a: attempts
   * submitted, r: answers (per drawn question, its options in base 36), b: best percent or
   * null, k: passed (0/1)}. Journal and reflection text are never in it. */
  var PHASES = ["intro", "play", "feedback", "debrief", "quiz", "result"];

  function encodeSuspend(resume) {
    var out = { v: 1, m: resume.moves, p: resume.phase };
    if (resume.quiz) {
      var q = resume.quiz;
      out.q = { s: q.seed, a: q.attempts, r: q.answers.map(function (r) { return r.map(moveFor).join(""); }),
                b: q.best === null || q.best === undefined ? null : q.best, k: q.passed ? 1 : 0 };
    }
    return JSON.stringify(out);
  }

  function decodeSuspend(text) {
    var data = JSON.parse(text);
    if (!data || data.v !== 1 || typeof data.m !== "string" || PHASES.indexOf(data.p) < 0) { throw new EngineError("not a resume point"); }
    var resume = { moves: data.m, phase: data.p, quiz: null };
    if (data.q) {
      resume.quiz = { seed: data.q.s >>> 0, attempts: data.q.a | 0, best: data.q.b === null ? null : Number(data.q.b),
                      passed: !!data.q.k,
                      answers: (data.q.r || []).map(function (s) { return s.split("").map(function (c) { return parseInt(c, 36); }); }) };
    }
    return resume;
  }

  root.CourseEngine = {
    Module: Module, EngineError: EngineError, start: start, choose: choose, continueJunction: continueJunction,
    replay: replay, moveFor: moveFor, CONTINUE: CONTINUE, shownHtml: shownHtml, holds: holds, hasText: hasText,
    bestChoice: bestChoice, draw: draw, scoreQuestion: scoreQuestion, gradeAttempt: gradeAttempt, passed: passed,
    encodeSuspend: encodeSuspend, decodeSuspend: decodeSuspend, rng: rng
  };
  if (typeof module !== "undefined" && module.exports) { module.exports = root.CourseEngine; }
}(typeof window !== "undefined" ? window : globalThis));
