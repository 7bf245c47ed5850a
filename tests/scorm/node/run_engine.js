// Runs the packaged player's engine.js on inputs from the Python tests (JSON on stdin) and
// prints what it computed (JSON on stdout), so tests/scorm/test_engine_js.py can compare it
// with the content core. Tasks: "paths" (replay moves), "grade" (score responses), "draw",
// "suspend" (encode a resume point, and decode it back).
"use strict";
const path = require("path");
const E = require(path.resolve(__dirname, "../../../course_engine/scorm/player/engine.js"));

function sorted(obj) { return Object.keys(obj).filter((k) => obj[k]).sort(); }

function run(input) {
  const module = input.module ? new E.Module(input.module) : null;
  const out = {};
  if (input.paths) {
    out.paths = input.paths.map((moves) => {
      const seen = [];
      for (let i = 0; i <= moves.length; i++) {
        const played = E.replay(module, moves.slice(0, i));
        const scene = module.scene(played.state.scene);
        seen.push([scene.id, E.shownHtml(scene.body_html, scene.passages, played.state)]);
      }
      const played = E.replay(module, moves);
      const last = played.decisions[played.decisions.length - 1];
      const lastChoice = last ? module.scene(last.scene).choices[last.index] : null;
      return {
        scene: played.state.scene, counters: played.state.counters, facts: sorted(played.state.facts),
        visited: sorted(played.state.visited), decisions: played.decisions.length, seen,
        debrief: E.shownHtml(input.module.debrief_html, input.module.debrief_passages, played.state),
        feedback: lastChoice ? E.shownHtml(lastChoice.feedback_html, lastChoice.feedback_passages, played.state) : null,
      };
    });
  }
  if (input.grade) {
    out.grade = input.grade.map((g) => E.gradeAttempt(input.quiz, g.responses, g.ids));
  }
  if (input.draws) {
    out.draws = input.draws.map((seed) => E.draw(input.quiz, seed));
  }
  if (input.suspend) {
    out.suspend = input.suspend.map((r) => {
      const text = E.encodeSuspend(r);
      return { text, length: text.length, back: E.decodeSuspend(text) };
    });
  }
  return out;
}

let data = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { data += chunk; });
process.stdin.on("end", () => { process.stdout.write(JSON.stringify(run(JSON.parse(data)))); });
