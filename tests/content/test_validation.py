"""Every validation problem: its code, line and exact message, one fixture file each."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from course_engine.content import check_paths, check_tree, parse_module, parse_quiz_markdown
from course_engine.content.__main__ import main
from course_engine.content.gift import parse_gift
from course_engine.content.problems import CODES
from course_engine.content.scaffold import new_module_text, new_quiz_text

DATA = Path(__file__).parent / "data"

MODULE_CASES = [
    (
        'err-callout-unknown.md',
        [(21, 'error', 'callout-unknown')],
        (21, "'[!WARNING]' is not a known callout in scene 'start'. Use [!EVIDENCE], [!NOTE] or [!REFLECT]."),
    ),
    (
        'err-choice-bad-judgement.md',
        [(27, 'error', 'choice-bad-judgement')],
        (27, "The judgement 'risky' of choice 'Go round' is not known. Use safe, partly-safe or unsafe."),
    ),
    (
        'err-choice-malformed.md',
        [(26, 'error', 'choice-malformed')],
        (26, "This choice is not written correctly. A choice is a line with only '- [[What the learner does->scene-id]]'; put judgement, why, feedback and effects on the indented lines below it."),
    ),
    (
        'err-choice-no-feedback.md',
        [(26, 'error', 'choice-no-feedback')],
        (26, "The choice 'Go round' has no feedback. Add '  feedback: ' with what happens after the learner chooses it."),
    ),
    (
        'err-choice-no-judgement.md',
        [(26, 'error', 'choice-no-judgement')],
        (26, "The choice 'Go round' has no judgement. Add '  judgement: safe' (or partly-safe or unsafe) on the line below it."),
    ),
    (
        'err-choice-no-target.md',
        [(26, 'error', 'choice-no-target')],
        (26, "The choice 'Go round' does not say which scene it leads to. Write it as [[Go round->scene-id]]."),
    ),
    (
        'err-choice-no-why.md',
        [(26, 'error', 'choice-no-why')],
        (26, "The choice 'Go round' has no 'why'. Add '  why: ' with a one-sentence reason for the judgement; learners see it in the debrief."),
    ),
    (
        'err-choice-setting-unknown.md',
        [(30, 'error', 'choice-setting-unknown')],
        (30, "'feeback' is not a choice setting. Use judgement, why, feedback and effects."),
    ),
    (
        'err-choice-settings.md',
        [(27, 'error', 'choice-settings')],
        (27, "The lines under the choice 'Go round' must be settings written as 'name: value' (judgement, why, feedback, effects)."),
    ),
    (
        'err-choice-target-missing.md',
        [(26, 'error', 'choice-target-missing'), (31, 'error', 'scene-unreachable'), (41, 'error', 'scene-unreachable')],
        (26, "Choice 'Go round' leads to scene 'chek', which does not exist. Check the id after '->' matches a scene heading's {#id}."),
    ),
    (
        'err-choice-yaml.md',
        [(28, 'error', 'yaml')],
        (28, "The settings under the choice 'Go round' could not be read. This line has ': ' inside a value, which is read as a second setting. Put the whole value in straight quotes, e.g. why: \"It was noted: not actioned.\""),
    ),
    (
        'err-choices-and-routes.md',
        [(30, 'error', 'choices-and-routes')],
        (30, "Scene 'start' has both choices and '->' routes. A scene offers choices or routes on, not both: split it into two scenes."),
    ),
    (
        'err-condition-malformed.md',
        [(33, 'error', 'condition-malformed')],
        (33, "The condition 'risk is high' is not understood. Write a counter, a comparison (>=, <=, >, <, ==, !=) and a whole number, e.g. 'risk_noticed >= 2'; join several with 'and'."),
    ),
    (
        'err-debrief-missing.md',
        [(46, 'error', 'debrief-missing')],
        (46, "The module has no debrief. Add a '# Debrief' heading after the last scene, followed by the key learning."),
    ),
    (
        'err-debrief-twice.md',
        [(50, 'error', 'debrief-twice')],
        (50, "There is a second '# Debrief' heading. A module has one debrief."),
    ),
    (
        'err-duplicate-choice.md',
        [(26, 'error', 'duplicate-choice')],
        (26, "Scene 'start' offers the choice 'Go safe' twice (also on line 21). Reword or remove one."),
    ),
    (
        'err-duplicate-reflect.md',
        [(24, 'error', 'duplicate-reflect')],
        (24, "The reflect prompt id 'think' is already used on line 21. Give each prompt its own id."),
    ),
    (
        'err-duplicate-scene.md',
        [(34, 'error', 'route-target-missing'), (36, 'warning', 'one-ending'), (41, 'error', 'duplicate-scene')],
        (41, "The scene id 'safe-end' is also used on line 36. Each scene needs its own id."),
    ),
    (
        'err-duplicate-setting.md',
        [(5, 'error', 'duplicate-setting')],
        (5, "The setting 'title' is given twice (also on line 3). Keep only one."),
    ),
    (
        'err-effect-malformed.md',
        [(24, 'error', 'effect-malformed')],
        (24, "The effect 'risk up' is not understood. Write a counter and '+N', '-N' or '=N', e.g. 'risk_noticed +1, trust -1'."),
    ),
    (
        'err-encoding.md',
        [(19, 'error', 'encoding')],
        (19, 'This file is not saved as UTF-8 text. Save it again choosing the UTF-8 encoding.'),
    ),
    (
        'err-ending-bad-judgement.md',
        [(42, 'error', 'ending-bad-judgement')],
        (42, "'ending: bad' is not a known outcome. Use 'ending: safe', 'ending: partly-safe' or 'ending: unsafe'."),
    ),
    (
        'err-ending-has-choices.md',
        [(42, 'error', 'ending-has-choices')],
        (42, "Scene 'bad-end' is an ending but also has choices or routes. An ending is where the story stops: remove 'ending:' or the choices."),
    ),
    (
        'err-evidence-no-citation.md',
        [(21, 'error', 'evidence-no-citation')],
        (21, "An [!EVIDENCE] callout needs a citation after it on the same line, e.g. '> [!EVIDENCE] Child Safeguarding Practice Review Panel (2025)'."),
    ),
    (
        'err-field-invalid-date.md',
        [(12, 'error', 'field-invalid')],
        (12, "'review_date' must be a date written as YYYY-MM-DD, not 'next year'."),
    ),
    (
        'err-field-invalid-id.md',
        [(2, 'error', 'field-invalid')],
        (2, "The module id 'Tiny Module' may only use lower-case letters, digits and hyphens (for example 'noted-not-actioned'). It must never change once learners have started the module."),
    ),
    (
        'err-field-invalid-minutes.md',
        [(5, 'error', 'field-invalid')],
        (5, "'cpd_minutes' must be a whole number of minutes from 1 to 600."),
    ),
    (
        'err-field-missing.md',
        [(1, 'error', 'field-missing')],
        (1, "The module has no 'summary' setting. Add 'summary: ...' between the '---' lines at the top (see docs/authoring.md for an example)."),
    ),
    (
        'err-field-unknown.md',
        [(6, 'error', 'field-unknown')],
        (6, "'pass-mark' is not a module setting. Check the spelling; the settings are: authors, content_warning, counters, cpd_minutes, facts, fictional, id, outcomes, pass_mark, quiz, quiz_cooldown_minutes, quiz_max_attempts, recertify_months, review_date, sources, standards, start, summary, support, themes, title."),
    ),
    (
        'err-front-matter-missing.md',
        [(1, 'error', 'front-matter-missing')],
        (1, "The module must start with settings between two '---' lines (the front matter). Add a line '---' at the very top, the settings (id, title, ...), then another '---'."),
    ),
    (
        'err-front-matter-unclosed.md',
        [(1, 'error', 'front-matter-unclosed')],
        (1, "The settings at the top (front matter) are never closed. Add a line with only '---' after the last setting."),
    ),
    (
        'err-heading-level-1.md',
        [(17, 'error', 'heading-level-1')],
        (17, "'# Chapter one' uses a single '#'. Only '# Debrief' may do that: start scenes with '## Title {#scene-id}' and headings inside text with '###'."),
    ),
    (
        'err-image-external.md',
        [(21, 'error', 'image-outside')],
        (21, "The image 'https://example.org/photo.png' is on another website. Copy the file into modules/media/ and refer to it as media/<file name>."),
    ),
    (
        'err-image-html.md',
        [(19, 'error', 'image-html')],
        (19, 'Images must be written as ![description](media/file.png), not with an HTML <img> tag, so the check can see the alt text and the file.'),
    ),
    (
        'err-image-missing.md',
        [(21, 'error', 'image-missing')],
        (21, "The image file 'media/nope.png' does not exist. Check the spelling and that the file is in the modules/media/ folder."),
    ),
    (
        'err-image-no-alt.md',
        [(21, 'error', 'image-no-alt')],
        (21, "The image 'media/pic.png' has no alt text. Describe the image between the square brackets, e.g. ![A kitchen with an empty fridge](media/kitchen.png), for learners who use screen readers."),
    ),
    (
        'err-image-outside.md',
        [(21, 'error', 'image-outside')],
        (21, "The image '../../secret.png' is outside the modules folder. Move it into modules/media/ and refer to it as media/<file name>."),
    ),
    (
        'err-image-type.md',
        [(21, 'error', 'image-type')],
        (21, "The image 'media/pic.svg' is not a PNG, JPEG, GIF or WebP file. Save it in one of those formats (.png, .jpg, .jpeg, .gif, .webp)."),
    ),
    (
        'err-junction-loop.md',
        [(31, 'error', 'junction-loop'), (46, 'error', 'junction-loop')],
        (31, "Junction 'check' can route back to itself through other junctions without showing anything, which would loop forever. Give one of them some text or route to a scene with choices."),
    ),
    (
        'err-junction-no-otherwise.md',
        [(34, 'error', 'junction-no-otherwise')],
        (34, "Junction scene 'check' has no '-> otherwise: scene-id' line, so learners could get stuck. Add it as the last route."),
    ),
    (
        'err-no-endings.md',
        [(1, 'error', 'no-endings')],
        (1, "The module has no ending. Add at least one scene with 'ending: safe', 'ending: partly-safe' or 'ending: unsafe' under its heading."),
    ),
    (
        'err-no-scenes.md',
        [(1, 'error', 'no-scenes')],
        (1, "The module has no scenes. Add at least one '## Title {#scene-id}' heading."),
    ),
    (
        'err-no-way-to-end.md',
        [(41, 'error', 'scene-unreachable'), (46, 'error', 'no-way-to-end'), (53, 'error', 'no-way-to-end')],
        (46, "From scene 'loop' no ending can be reached: every way on loops back. Make at least one choice or route lead towards an ending."),
    ),
    (
        'err-not-fictional.md',
        [(10, 'error', 'not-fictional')],
        (10, "'fictional' must be 'true': case studies must be fictional vignettes, never real people. Write 'fictional: true' once you have checked this."),
    ),
    (
        'err-one-ending.md',
        [(36, 'warning', 'one-ending')],
        (36, 'The module has only one ending, so choices make no difference to the outcome. Consider adding another ending.'),
    ),
    (
        'err-pass-mark-missing.md',
        [(6, 'error', 'pass-mark-missing')],
        (6, "The module has a quiz but no 'pass_mark'. Add e.g. 'pass_mark: 80'."),
    ),
    (
        'err-pass-mark-over-100.md',
        [(7, 'error', 'pass-mark-unreachable')],
        (7, 'The pass mark 120% can never be reached: scores go up to 100%. Use a number from 1 to 100.'),
    ),
    (
        'err-reflect-bad-id.md',
        [(21, 'error', 'reflect-bad-id')],
        (21, "The reflect prompt id 'My Prompt' may only use lower-case letters, digits and hyphens, e.g. 'first-assumption'."),
    ),
    (
        'err-reflect-empty.md',
        [(21, 'error', 'reflect-empty')],
        (21, "The reflect prompt 'think' has no question. Write the question on the next line, starting with '> '."),
    ),
    (
        'err-reflect-no-id.md',
        [(21, 'error', 'reflect-no-id')],
        (21, "A [!REFLECT] prompt needs an id after it on the same line, e.g. '> [!REFLECT] first-assumption'. The id keeps learners' journal answers attached to the prompt when you edit its wording."),
    ),
    (
        'err-route-after-otherwise.md',
        [(34, 'error', 'route-after-otherwise')],
        (34, "This route comes after '-> otherwise' so it can never be used. Move '-> otherwise' to the end."),
    ),
    (
        'err-route-malformed.md',
        [(33, 'error', 'junction-no-otherwise'), (34, 'error', 'route-malformed')],
        (34, "This route is not written correctly. Write '-> if counter >= 2: scene-id' or '-> otherwise: scene-id'."),
    ),
    (
        'err-route-target-missing.md',
        [(34, 'error', 'route-target-missing'), (41, 'error', 'scene-unreachable')],
        (34, "The route leads to scene 'bad-ending', which does not exist. Check the id after ':' matches a scene heading's {#id}."),
    ),
    (
        'err-scene-after-debrief.md',
        [(50, 'error', 'scene-after-debrief')],
        (50, "The scene 'Extra' comes after '# Debrief'. Move the debrief to the end of the file."),
    ),
    (
        'err-scene-bad-id.md',
        [(41, 'error', 'scene-bad-id')],
        (41, "The scene id 'Bad_End' may only use lower-case letters, digits and hyphens, e.g. {#home-visit}."),
    ),
    (
        'err-scene-no-exit.md',
        [(31, 'error', 'scene-no-exit'), (40, 'error', 'scene-unreachable')],
        (31, "Scene 'check' has no choices, no routes and is not an ending, so learners would be stuck. Add choices ('- [[text->scene-id]]'), routes ('-> otherwise: scene-id') or 'ending: safe|partly-safe|unsafe' under the heading."),
    ),
    (
        'err-scene-no-id.md',
        [(26, 'error', 'choice-target-missing'), (31, 'error', 'scene-no-id'), (41, 'error', 'scene-unreachable')],
        (31, "The scene heading '## Check' has no id. Add one at the end, e.g. '## The referral {#referral}'."),
    ),
    (
        'err-scene-setting-unknown.md',
        [(43, 'error', 'scene-setting-unknown')],
        (43, "'mood:' is not a scene setting. Scene settings are 'ending:', 'establishes:' and 'asserts:'. If this is narrative, start it with a capital letter or move it down."),
    ),
    (
        'err-scene-too-long.md',
        [(17, 'warning', 'scene-too-long')],
        (17, "Scene 'start' is 602 words long (more than 600). Consider splitting it: long scenes are hard to read on a phone."),
    ),
    (
        'err-scene-unreachable.md',
        [(46, 'error', 'scene-unreachable')],
        (46, "No choice or route leads to scene 'lost', so learners can never see it. Point a choice or route at it, or delete it."),
    ),
    (
        'err-start-missing.md',
        [(11, 'error', 'start-missing')],
        (11, "'start: beginning' names a scene that does not exist. Use the id of a scene heading, or remove 'start:' to begin at the first scene."),
    ),
    (
        'err-support-missing.md',
        [(6, 'error', 'support-missing')],
        (6, "The module has a content_warning but no 'support' setting. Add 'support:' saying where learners can find support (supervisor, employee assistance)."),
    ),
    (
        'err-text-after-choices.md',
        [(31, 'error', 'text-after-choices')],
        (31, "Scene 'start' has text after its choices or routes. Choices and routes must come last in a scene; move this text above them."),
    ),
    (
        'err-unknown-counter-effect.md',
        [(21, 'error', 'unknown-counter')],
        (21, "Choice 'Go safe' changes the counter 'rsik', which is not listed under 'counters:' at the top. Add it there with a starting value, or fix the spelling."),
    ),
    (
        'err-unknown-counter-route.md',
        [(33, 'error', 'unknown-counter')],
        (33, "The route tests the counter 'trust', which is not listed under 'counters:' at the top. Add it there with a starting value, or fix the spelling."),
    ),
    (
        'err-unsafe-html.md',
        [(19, 'error', 'unsafe-html')],
        (19, "This line contains a <script> tag, which is not allowed in course content because it could run code in a learner's browser. Remove it: use Markdown for formatting, ordinary https:// links, and ![description](media/file.png) for images."),
    ),
    (
        'err-yaml.md',
        [(3, 'error', 'yaml')],
        (3, "The settings at the top could not be read. A list in square brackets on this line is not closed, or one of its items has ': ' or ',' in it. Close it with ']', put straight quotes around such items, or write each item on its own line starting '  - '."),
    ),
]
QUIZ_CASES = [
    (
        'err-callout-unknown.md',
        [(17, 'error', 'callout-unknown')],
        (17, "'[!NOTE]' is not a quiz callout. Use '> [!EXPLAIN]' for the explanation shown after answering."),
    ),
    (
        'err-draw-too-large.md',
        [(4, 'error', 'draw-too-large')],
        (4, "The quiz draws 5 questions per attempt but the bank has only 2. Lower 'draw' or add questions."),
    ),
    (
        'err-duplicate-question.md',
        [(17, 'error', 'duplicate-question')],
        (17, "The question id 'q-first' is also used on line 8. Give each question its own id."),
    ),
    (
        'err-field-invalid-draw.md',
        [(4, 'error', 'field-invalid')],
        (4, "'draw' must be a whole number of questions, at least 1."),
    ),
    (
        'err-field-invalid-id.md',
        [(2, 'error', 'field-invalid')],
        (2, "The quiz id 'Tiny Quiz' may only use lower-case letters, digits and hyphens."),
    ),
    (
        'err-field-invalid-shuffle.md',
        [(5, 'error', 'field-invalid')],
        (5, "'shuffle' must be true or false."),
    ),
    (
        'err-field-missing.md',
        [(1, 'error', 'field-missing')],
        (1, "The quiz has no 'title' setting. Add 'title: ...' to its settings at the top."),
    ),
    (
        'err-field-unknown.md',
        [(5, 'error', 'field-unknown')],
        (5, "'pass_mark' is not a quiz setting. The settings are: id, title, draw, shuffle."),
    ),
    (
        'err-front-matter-missing.md',
        [(1, 'error', 'front-matter-missing')],
        (1, "The quiz must start with settings between two '---' lines (the front matter). Add a line '---' at the very top, the settings (id, title, ...), then another '---'."),
    ),
    (
        'err-multiple-needs-two.md',
        [(17, 'error', 'multiple-needs-two')],
        (17, "Multiple-response question 'Second' needs two or more options marked [x]; with one, use a single-choice question."),
    ),
    (
        'err-option-bad-weight.md',
        [(14, 'error', 'option-bad-weight')],
        (14, "The partial credit '[150%]' must be between 0% and 100%, e.g. '[50%]'."),
    ),
    (
        'err-option-no-feedback.md',
        [(8, 'warning', 'option-no-feedback')],
        (8, "An option of question 'First' has no feedback. Add '  feedback: ' under each option saying why it is right or wrong."),
    ),
    (
        'err-option-setting-unknown.md',
        [(14, 'error', 'option-setting-unknown')],
        (14, "'colour' is not an option setting. Use 'feedback:' and 'keep_last:'."),
    ),
    (
        'err-option-settings.md',
        [(8, 'warning', 'option-no-feedback'), (15, 'error', 'option-settings')],
        (15, "The lines under option 'Wrong' must be settings: 'feedback:' and optionally 'keep_last: true'."),
    ),
    (
        'err-option-yaml.md',
        [(8, 'warning', 'option-no-feedback'), (15, 'error', 'yaml')],
        (15, "The settings under option 'Wrong' could not be read. This line has ': ' inside a value, which is read as a second setting. Put the whole value in straight quotes, e.g. why: \"It was noted: not actioned.\""),
    ),
    (
        'err-ordering-needs-numbers.md',
        [(8, 'error', 'ordering-needs-numbers')],
        (8, "Ordering question 'First' must list its items as a numbered list ('1. first', '2. second', ...) in the correct order."),
    ),
    (
        'err-ordering-too-few.md',
        [(8, 'error', 'ordering-too-few')],
        (8, "Ordering question 'First' needs at least two items to put in order."),
    ),
    (
        'err-partial-not-single.md',
        [(17, 'error', 'partial-not-single')],
        (17, "Question 'Second' uses partial credit ([N%]), which only single-choice questions allow. Use [x] and [ ] in multiple-response questions."),
    ),
    (
        'err-quiz-image.md',
        [(12, 'error', 'quiz-image')],
        (12, 'Quiz banks cannot contain images. Describe what the learner needs to know in words, or put the image in the module.'),
    ),
    (
        'err-question-bad-id.md',
        [(17, 'error', 'question-bad-id')],
        (17, "The question id 'Q2' may only use lower-case letters, digits and hyphens."),
    ),
    (
        'err-question-bad-points.md',
        [(9, 'error', 'question-bad-points')],
        (9, "'points' must be a number above 0, e.g. 'points: 2'."),
    ),
    (
        'err-question-bad-kind.md',
        [(9, 'error', 'question-bad-kind')],
        (9, "'kind: case' is not a question kind. Use transfer, variant, story, recall (or leave it out)."),
    ),
    (
        'err-question-bad-type.md',
        [(9, 'error', 'question-bad-type')],
        (9, "'type: essay' is not a question type. Use single, multiple, true-false or ordering (or leave it out)."),
    ),
    (
        'err-question-no-correct.md',
        [(8, 'error', 'question-no-correct')],
        (8, "Question 'First' has no correct answer. Mark the right option with '[x]' (in GIFT: start it with '=' or give it a positive %weight%)."),
    ),
    (
        'err-question-no-id.md',
        [(4, 'error', 'draw-too-large'), (17, 'error', 'question-no-id')],
        (17, "The question heading 'Second' has no id. Add one at the end, e.g. '## Seeing the child alone {#q-see-alone}'."),
    ),
    (
        'err-question-no-options.md',
        [(8, 'error', 'question-no-options')],
        (8, "Question 'First' has no answer options. Add options as '- [x] right answer' and '- [ ] wrong answer' lines."),
    ),
    (
        'err-question-setting-unknown.md',
        [(9, 'error', 'question-setting-unknown')],
        (9, "'marks:' is not a question setting. Use 'type:', 'points:' and 'kind:'."),
    ),
    (
        'err-quiz-no-questions.md',
        [(1, 'error', 'quiz-no-questions')],
        (1, "The quiz has no questions. Add '## Question title {#q-id}' sections."),
    ),
    (
        'err-single-many-correct.md',
        [(8, 'error', 'single-many-correct')],
        (8, "Question 'First' is single-choice but marks 2 options [x]. Mark only one, or use 'type: multiple'."),
    ),
    (
        'err-text-after-options.md',
        [(17, 'error', 'text-after-options')],
        (17, "Question 'First' has text after its options. Put the question text above the options and the explanation in a '> [!EXPLAIN]' block."),
    ),
    (
        'err-true-false-options.md',
        [(8, 'error', 'true-false-options')],
        (8, "True/false question 'First' needs exactly two options, 'True' and 'False', with one marked [x]."),
    ),
    (
        'err-unsafe-html.md',
        [(10, 'error', 'unsafe-html')],
        (10, "This line contains a 'javascript:' link, which is not allowed in course content because it could run code in a learner's browser. Remove it: use Markdown for formatting, ordinary https:// links, and ![description](media/file.png) for images."),
    ),
]
GIFT_ERRORS = [
    (2, 'error', 'gift-matching', "Matching questions ('=a -> b') are not supported."),
    (4, 'error', 'gift-numeric', "Numeric questions ('{#...}') are not supported."),
    (6, 'error', 'gift-short-answer', "Short-answer questions (only '=' answers, no '~') are not supported. Add wrong options starting with '~' to make it multiple choice."),
    (8, 'error', 'gift-missing-word', "Missing-word questions (text after the '}' answers) are not supported. Put the answers at the end of the question."),
    (10, 'error', 'gift-essay', "Essay questions ('{}' with no answers) are not supported."),
    (12, 'error', 'gift-no-answers', "This question has no answers in '{...}'. Add them, e.g. {=right ~wrong}. (Description-only items are not supported.)"),
    (14, 'error', 'gift-unclosed', "The answers start with '{' but there is no closing '}'."),
    (16, 'error', 'gift-bad-weight', 'The weight %150% must be between -100% and 100%.'),
    (16, 'warning', 'option-no-feedback', "An option of question 'Bad weight' has no feedback. Add '  feedback: ' under each option saying why it is right or wrong."),
    (18, 'error', 'gift-answer-syntax', "The answers are not understood. Start each answer with '=' (right) or '~' (wrong, or ~%50% for a weighted answer)."),
    (20, 'error', 'question-no-correct', "Question 'No correct' has no correct answer. Mark the right option with '[x]' (in GIFT: start it with '=' or give it a positive %weight%)."),
    (20, 'warning', 'option-no-feedback', "An option of question 'No correct' has no feedback. Add '  feedback: ' under each option saying why it is right or wrong."),
    (22, 'error', 'question-not-full-marks', "In question 'Not full' no answer earns full marks (the best earns 50%). Make the right answer(s) add up to 100%."),
    (22, 'warning', 'option-no-feedback', "An option of question 'Not full' has no feedback. Add '  feedback: ' under each option saying why it is right or wrong."),
    (24, 'error', 'gift-title', 'The question title is not closed. Write it as ::Title:: before the question.'),
]


@pytest.mark.parametrize(("fixture", "expected", "main_problem"), MODULE_CASES)
def test_module_problem(fixture, expected, main_problem):
    """Each broken module reports exactly these problems, with a plain-language message."""
    spec, problems = parse_module(DATA / "modules" / fixture, modules_root=DATA / "modules")
    assert [(p.line, p.severity, p.code) for p in problems] == expected
    line, message = main_problem
    assert any(p.line == line and p.message == message for p in problems)


@pytest.mark.parametrize(("fixture", "expected", "main_problem"), QUIZ_CASES)
def test_quiz_problem(fixture, expected, main_problem):
    """Each broken Markdown quiz bank reports exactly these problems."""
    spec, problems = parse_quiz_markdown(DATA / "quizzes" / fixture)
    assert [(p.line, p.severity, p.code) for p in problems] == expected
    line, message = main_problem
    assert any(p.line == line and p.message == message for p in problems)


def test_gift_unsupported_and_broken_questions():
    """Each unsupported GIFT question type and each broken question gives a clear problem
    naming its line, and the rest of the file is still checked."""
    spec, problems = parse_gift(None, DATA / "gift" / "errors.gift")
    assert [(p.line, p.severity, p.code, p.message) for p in problems] == GIFT_ERRORS


def test_valid_fixtures_have_no_problems():
    """The base fixtures every error file is derived from are clean."""
    _, problems = parse_module(DATA / "modules" / "valid.md", modules_root=DATA / "modules")
    assert problems == []
    _, problems = parse_quiz_markdown(DATA / "quizzes" / "valid.md")
    assert problems == []


def test_problem_str_is_file_line_severity_message():
    """Problems print as 'path:line: severity: message' for editors and CI logs."""
    _, problems = parse_module(DATA / "modules" / "err-choice-target-missing.md")
    assert str(problems[0]) == (
        f"{DATA / 'modules' / 'err-choice-target-missing.md'}:26: error: Choice 'Go round' "
        "leads to scene 'chek', which does not exist. Check the id after '->' matches a scene "
        "heading's {#id}."
    )


def test_every_code_is_documented():
    """Every problem code has a row in docs/authoring.md's table, and every row is a code;
    every code is exercised by a fixture in this file or the other content tests."""
    doc = (Path(__file__).parents[2] / "docs" / "authoring.md").read_text()
    doc = doc[doc.index("## 7. Every message") :]
    documented = set(re.findall(r"^\| `([a-z0-9-]+)` \|", doc, re.M))
    assert documented == set(CODES)
    tested = {c for _, exp, _ in MODULE_CASES + QUIZ_CASES for _, _, c in exp}
    tested |= {c for _, _, c, _ in GIFT_ERRORS}
    tested |= {"duplicate-module", "duplicate-quiz", "quiz-missing", "file-missing"}
    tested |= {"recommended-no-ending", "unsafe-html"}
    from .test_passages import PASSAGE_CASES

    tested |= {case[3] for case in PASSAGE_CASES}
    tested |= {"file-extension", "kind-unclear", "nothing-checked", "path-not-content"}  # test_check_paths.py
    from .test_near_misses import NEAR_MISS_CASES

    tested |= {case[3] for case in NEAR_MISS_CASES}
    tested |= {"gift-malformed-end"}  # test_gift_moodle.py
    assert set(CODES) - tested == set()


# --- checks across files ----------------------------------------------------------------


def write_tree(root: Path, modules: dict[str, str], quizzes: dict[str, str]) -> Path:
    (root / "modules").mkdir(parents=True, exist_ok=True)
    (root / "quizzes").mkdir(parents=True, exist_ok=True)
    for name, text in modules.items():
        (root / "modules" / name).write_text(text, encoding="utf-8")
    for name, text in quizzes.items():
        (root / "quizzes" / name).write_text(text, encoding="utf-8")
    return root


VALID_MODULE = (DATA / "modules" / "valid.md").read_text()
VALID_QUIZ = (DATA / "quizzes" / "valid.md").read_text()
WITH_QUIZ = VALID_MODULE.replace("cpd_minutes: 10", "cpd_minutes: 10\nquiz: tiny-quiz\npass_mark: 80")


def codes(report):
    return [(Path(p.path).name, p.line, p.code) for p in report.problems]


def test_scaffold_passes_the_check(tmp_path):
    """The starter module and quiz from 'new' pass the check with no problems at all."""
    write_tree(tmp_path, {"starter.md": new_module_text("starter")}, {"starter.md": new_quiz_text("starter")})
    report = check_tree(tmp_path / "modules", tmp_path / "quizzes")
    assert report.problems == []
    module = report.modules["starter"]
    assert {s.kind for s in module.scenes} == {"choices", "junction", "ending"}
    assert len(module.endings) == 2
    assert any(c.kind == "reflect" for s in module.scenes for c in s.callouts)
    assert module.debrief_html and module.intro_html
    assert report.quizzes["starter"].questions


def test_tree_all_good(tmp_path):
    """A module with its quiz checks clean; the version covers the quiz file too."""
    write_tree(tmp_path, {"tiny.md": WITH_QUIZ}, {"tiny-quiz.md": VALID_QUIZ})
    report = check_tree(tmp_path / "modules", tmp_path / "quizzes")
    assert report.ok and report.problems == []
    assert report.files == {
        str(tmp_path / "modules" / "tiny.md"): "ok",
        str(tmp_path / "quizzes" / "tiny-quiz.md"): "ok",
    }
    version = report.modules["tiny"].version
    (tmp_path / "quizzes" / "tiny-quiz.md").write_text(VALID_QUIZ.replace("Pick one.", "Pick one!"))
    again = check_tree(tmp_path / "modules", tmp_path / "quizzes")
    assert again.modules["tiny"].version != version
    assert report.summary() == "Checked 1 module and 1 quiz: 0 errors, 0 warnings"


def test_quiz_missing(tmp_path):
    """A module naming a quiz that no bank has is an error on its 'quiz:' line."""
    write_tree(tmp_path, {"tiny.md": WITH_QUIZ}, {})
    report = check_tree(tmp_path / "modules", tmp_path / "quizzes")
    assert codes(report) == [("tiny.md", 6, "quiz-missing")]
    assert report.problems[0].message == (
        f"The module uses the quiz 'tiny-quiz', but no quiz bank in {tmp_path / 'quizzes'} has "
        "that id. Check the 'quiz:' setting matches the 'id:' of a quiz bank."
    )
    assert report.modules == {}
    assert report.files[str(tmp_path / "modules" / "tiny.md")] == "errors"


def test_duplicate_module_and_quiz_ids(tmp_path):
    """Two modules (or two quiz banks) with the same id are errors on the second file."""
    write_tree(
        tmp_path,
        {"a.md": WITH_QUIZ, "b.md": WITH_QUIZ},
        {"a.md": VALID_QUIZ, "b.gift": "// id: tiny-quiz\n::Q::Pick{=a#Yes ~b#No}\n"},
    )
    report = check_tree(tmp_path / "modules", tmp_path / "quizzes")
    assert codes(report) == [("b.md", 2, "duplicate-module"), ("b.gift", 1, "duplicate-quiz")] or codes(
        report
    ) == [("b.gift", 1, "duplicate-quiz"), ("b.md", 2, "duplicate-module")]
    messages = {p.code: p.message for p in report.problems}
    assert messages["duplicate-module"] == (
        f"The module id 'tiny' is also used by {tmp_path / 'modules' / 'a.md'}. "
        "Each module needs its own id."
    )
    assert messages["duplicate-quiz"] == (
        f"The quiz id 'tiny-quiz' is also used by {tmp_path / 'quizzes' / 'a.md'}. "
        "Each quiz bank needs its own id."
    )


def test_pass_mark_unreachable_with_draw(tmp_path):
    """If some draw of questions cannot reach the pass mark, the module's pass mark is an
    error (here a question whose best answer earns 50% is drawn alone)."""
    gift = "// id: tiny-quiz\n// draw: 1\n\n::A::Pick{=a#Yes ~b#No}\n\n::B::Pick{~%50%a#Half ~b#No}\n"
    write_tree(tmp_path, {"tiny.md": WITH_QUIZ}, {"q.gift": gift})
    report = check_tree(tmp_path / "modules", tmp_path / "quizzes")
    assert ("tiny.md", 7, "pass-mark-unreachable") in codes(report)
    problem = next(p for p in report.problems if p.code == "pass-mark-unreachable")
    assert problem.message == (
        "The pass mark 80% cannot always be reached: with some draws of quiz 'tiny-quiz' the "
        "best possible score is 50%. Fix the quiz's questions or lower the pass mark."
    )


def test_recommended_path_must_end(tmp_path):
    """Always taking the best choice must reach an ending, not loop."""
    text = VALID_MODULE.replace("- [[Go safe->safe-end]]", "- [[Go safe->start]]").replace(
        "  effects: risk +1\n", ""
    )
    write_tree(tmp_path, {"tiny.md": text}, {})
    report = check_tree(tmp_path / "modules", tmp_path / "quizzes")
    assert codes(report) == [("tiny.md", 17, "recommended-no-ending")]
    assert report.problems[0].message == (
        "Always taking the best-judged choice goes round in a loop and never reaches an "
        "ending. Make the safest choice in the loop lead on."
    )


def test_check_never_stops_at_first_error(tmp_path):
    """One pass reports problems from every file, broken or not."""
    names = ("err-yaml.md", "err-choice-target-missing.md", "err-scene-too-long.md")
    modules = {
        f: (DATA / "modules" / f).read_text().replace("id: tiny", f"id: tiny-{i}")
        for i, f in enumerate(names)
    }
    write_tree(tmp_path, modules, {"bad.md": (DATA / "quizzes" / "err-draw-too-large.md").read_text()})
    report = check_tree(tmp_path / "modules", tmp_path / "quizzes")
    assert {Path(p.path).name for p in report.problems} == set(modules) | {"bad.md"}
    assert report.summary() == "Checked 3 modules and 1 quiz: 5 errors, 1 warning"
    assert report.files[str(tmp_path / "modules" / "err-scene-too-long.md")] == "warnings"


def test_parallel_parse_matches_serial(tmp_path):
    """Parsing in worker processes gives exactly the same report as in one process."""
    write_tree(
        tmp_path,
        {f"m{i}.md": WITH_QUIZ.replace("id: tiny", f"id: tiny-{i}") for i in range(4)},
        {
            "tiny-quiz.md": VALID_QUIZ,
            "bad.md": (DATA / "quizzes" / "err-draw-too-large.md").read_text().replace("tiny-quiz", "other"),
        },
    )
    # In a fresh interpreter: the suite's own process may have threads (browser tests), and the
    # check only forks workers from a process that has none.
    code = f"""
import multiprocessing, threading
from course_engine.content.validate import check_tree
assert threading.active_count() == 1
forked = []
real = multiprocessing.get_context
multiprocessing.get_context = lambda method=None: forked.append(method) or real(method)
serial = check_tree({str(tmp_path / "modules")!r}, {str(tmp_path / "quizzes")!r}, workers=1)
parallel = check_tree({str(tmp_path / "modules")!r}, {str(tmp_path / "quizzes")!r}, workers=2)
assert forked == ["fork"], forked
assert serial.modules == parallel.modules
assert serial.problems == parallel.problems
assert len(serial.modules) == 4
print("same")
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0 and result.stdout.strip() == "same", result.stderr


def test_no_worker_processes_are_forked_while_other_threads_run(tmp_path, monkeypatch):
    """With another thread alive, asking for workers parses in this process: a fork while a
    thread holds a lock would leave the worker waiting for ever."""
    import multiprocessing
    import threading

    write_tree(tmp_path, {f"m{i}.md": WITH_QUIZ.replace("id: tiny", f"id: tiny-{i}") for i in range(2)},
               {"tiny-quiz.md": VALID_QUIZ})

    def no_fork(*_args, **_kwargs):
        raise AssertionError("forked worker processes with another thread alive")

    monkeypatch.setattr(multiprocessing, "get_context", no_fork)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        report = check_tree(tmp_path / "modules", tmp_path / "quizzes", workers=2)
    finally:
        stop.set()
        other.join()
    assert len(report.modules) == 2


def test_cli_check(tmp_path, capsys, monkeypatch):
    """'python -m course_engine.content check' prints each problem and a summary line, and
    exits 1 when there are errors, 0 when there are none."""
    write_tree(tmp_path, {"tiny.md": WITH_QUIZ}, {})
    assert main(["check", str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{tmp_path / 'modules' / 'tiny.md'}:6: error: The module uses the quiz")
    assert out[-1] == "Checked 1 module and 0 quizzes: 1 error, 0 warnings"
    write_tree(tmp_path, {}, {"tiny-quiz.md": VALID_QUIZ})
    monkeypatch.chdir(tmp_path)
    assert main(["check"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Checked 1 module and 1 quiz: 0 errors, 0 warnings"
    assert main(["check", "modules/tiny.md"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Checked 1 module and 0 quizzes: 0 errors, 0 warnings"
    assert main(["check", "nowhere"]) == 1
    assert "nowhere:1: error: 'nowhere' does not exist." in capsys.readouterr().out


def test_check_paths_single_file_resolves_its_quiz(tmp_path):
    """Checking one module file still finds its quiz in the sibling quizzes/ folder."""
    write_tree(tmp_path, {"tiny.md": WITH_QUIZ}, {"tiny-quiz.md": VALID_QUIZ})
    report = check_paths([tmp_path / "modules" / "tiny.md"])
    assert report.problems == [] and "tiny" in report.modules
