/* Talking to the LMS: the SCORM 1.2 API (window.API) or SCORM 2004's (window.API_1484_11),
 * found in a parent or opener window as the standards describe. The only calls the player
 * makes leave through this object, and only the values named here are ever sent: status,
 * score, session time, exit, location, suspend_data and (2004) one interaction per decision.
 * Journal and reflection text never reach it.
 *
 * Without an LMS (opened from disk) the player still plays; nothing is recorded.
 */
(function (root) {
  "use strict";

  function findAPI(win, name) {
    for (var tries = 0; win && tries < 10; tries++) {
      try { if (win[name]) { return win[name]; } } catch (e) { return null; }
      if (win.parent && win.parent !== win) { win = win.parent; } else { break; }
    }
    return null;
  }

  function locate(name) {
    var api = findAPI(root, name);
    if (!api && root.opener) { api = findAPI(root.opener, name); }
    return api;
  }

  function pad(n, width) { var s = String(n); while (s.length < width) { s = "0" + s; } return s; }

  /* SCORM 1.2 CMITimespan: HHHH:MM:SS.SS (hours at least two digits, at most four). */
  function timespan12(ms) {
    var cs = Math.round(ms / 10), h = Math.floor(cs / 360000), m = Math.floor(cs / 6000) % 60;
    var s = Math.floor(cs / 100) % 60, frac = cs % 100;
    if (h > 9999) { h = 9999; m = 59; s = 59; frac = 99; }
    return pad(h, 2) + ":" + pad(m, 2) + ":" + pad(s, 2) + "." + pad(frac, 2);
  }

  /* SCORM 2004 timeinterval (ISO 8601 duration), e.g. PT1H2M3.45S. */
  function duration2004(ms) {
    var cs = Math.round(ms / 10), h = Math.floor(cs / 360000), m = Math.floor(cs / 6000) % 60;
    var s = (cs % 6000) / 100;
    var out = "PT";
    if (h) { out += h + "H"; }
    if (m) { out += m + "M"; }
    return out + (Math.round(s * 100) / 100) + "S";
  }

  /* SCORM 2004 time(second,10,0): YYYY-MM-DDThh:mm:ss.ssZ. The format (YYYY[-MM[-DD[Thh[:mm[:ss[.s[TZD]]]]]]])
   * only allows the time zone after the fraction of a second, so the fraction is always written. */
  function timestamp2004(date) {
    return date.getUTCFullYear() + "-" + pad(date.getUTCMonth() + 1, 2) + "-" + pad(date.getUTCDate(), 2) + "T" +
      pad(date.getUTCHours(), 2) + ":" + pad(date.getUTCMinutes(), 2) + ":" + pad(date.getUTCSeconds(), 2) + "." +
      pad(Math.floor(date.getUTCMilliseconds() / 10), 2) + "Z";
  }

  function Runtime(standard) {
    this.standard = standard;
    this.is2004 = standard === "scorm2004";
    this.api = locate(this.is2004 ? "API_1484_11" : "API");
    this.started = Date.now();
    this.open = false;
    this.finished = false;
  }

  Runtime.prototype.call = function (name12, name2004, args) {
    if (!this.api) { return ""; }
    var fn = this.api[this.is2004 ? name2004 : name12];
    return fn ? fn.apply(this.api, args) : "";
  };
  Runtime.prototype.get = function (element) { return this.open ? String(this.call("LMSGetValue", "GetValue", [element]) || "") : ""; };
  Runtime.prototype.set = function (element, value) { if (this.open) { this.call("LMSSetValue", "SetValue", [element, String(value)]); } };
  Runtime.prototype.commit = function () { if (this.open) { this.call("LMSCommit", "Commit", [""]); } };

  Runtime.prototype.initialize = function () {
    if (!this.api) { return false; }
    var ok = this.call("LMSInitialize", "Initialize", [""]);
    this.open = ok === true || ok === "true";
    if (!this.open) { return false; }
    if (this.is2004) {
      if (this.get("cmi.completion_status") !== "completed") { this.set("cmi.completion_status", "incomplete"); }
    } else {
      var status = this.get("cmi.core.lesson_status");
      if (status === "" || status === "not attempted") { this.set("cmi.core.lesson_status", "incomplete"); }
    }
    return true;
  };

  /* The resume point the LMS kept ("" for a new attempt). Read whatever cmi.entry says: an
   * LMS that lost the session (a closed tab, a crash) may relaunch with entry "" but keep
   * suspend_data, and the learner should still be where they were. */
  Runtime.prototype.resumePoint = function () {
    return this.get("cmi.suspend_data");
  };

  Runtime.prototype.saveResume = function (sceneId, suspendData) {
    this.set(this.is2004 ? "cmi.location" : "cmi.core.lesson_location", sceneId);
    this.set("cmi.suspend_data", suspendData);
    this.commit();
  };

  /* One cmi.interactions.n per decision (SCORM 2004; 1.2 has no readable interactions). */
  Runtime.prototype.recordDecision = function (d) {
    if (!this.is2004 || !this.open) { return; }
    var n = parseInt(this.get("cmi.interactions._count"), 10) || 0;
    var p = "cmi.interactions." + n + ".";
    this.set(p + "id", d.id);
    this.set(p + "type", "choice");
    this.set(p + "timestamp", timestamp2004(new Date()));
    this.set(p + "description", d.description.slice(0, 250));
    this.set(p + "correct_responses.0.pattern", d.correct);
    this.set(p + "learner_response", d.response);
    this.set(p + "result", d.result);
    this.commit();
  };

  /* The quiz's score (percent 0-100) and, when the module is done, its status. */
  Runtime.prototype.recordScore = function (percent, passed) {
    var raw = Math.round(percent * 100) / 100;
    if (this.is2004) {
      this.set("cmi.score.min", 0); this.set("cmi.score.max", 100); this.set("cmi.score.raw", raw);
      this.set("cmi.score.scaled", Math.round(raw * 100) / 10000);
      this.set("cmi.success_status", passed ? "passed" : "failed");
    } else {
      this.set("cmi.core.score.min", 0); this.set("cmi.core.score.max", 100); this.set("cmi.core.score.raw", raw);
      this.set("cmi.core.lesson_status", passed ? "passed" : "failed");
    }
    this.commit();
  };

  Runtime.prototype.recordCompleted = function (hasQuiz) {
    if (this.is2004) { this.set("cmi.completion_status", "completed"); }
    else if (!hasQuiz) { this.set("cmi.core.lesson_status", "completed"); }
    this.commit();
  };

  /* End the session: session time, and exit "suspend" unless the module is finished. */
  Runtime.prototype.finish = function (done) {
    if (!this.open || this.finished) { return; }
    this.finished = true;
    var elapsed = Date.now() - this.started;
    if (this.is2004) {
      this.set("cmi.session_time", duration2004(elapsed));
      this.set("cmi.exit", done ? "normal" : "suspend");
    } else {
      this.set("cmi.core.session_time", timespan12(elapsed));
      this.set("cmi.core.exit", done ? "" : "suspend");
    }
    this.commit();
    this.call("LMSFinish", "Terminate", [""]);
    this.open = false;
  };

  root.CourseRuntime = { Runtime: Runtime, timespan12: timespan12, duration2004: duration2004, timestamp2004: timestamp2004 };
  if (typeof module !== "undefined" && module.exports) { module.exports = root.CourseRuntime; }
}(typeof window !== "undefined" ? window : globalThis));
