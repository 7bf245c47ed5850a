"""Starter files for new content: ``flask content new`` and tests use these."""

from __future__ import annotations

import datetime

MODULE_TEMPLATE = """\
---
# Settings for the module. Lines starting with '#' are comments and are ignored.
id: {slug}                      # never change this once learners have started
title: "{title}"
summary: One or two sentences for the catalogue. What will the learner practise?
cpd_minutes: 20
outcomes:
  - Recognise when an explanation needs testing against other hypotheses.
themes: [risk, supervision]
standards:
  - "PCF 7: Intervention and skills"
content_warning: This module describes neglect of a young child.
support: Talk to your supervisor, or contact your employee assistance programme.
quiz: {slug}
pass_mark: 80
counters:
  concern: 0                    # goes up when the learner notices risk
fictional: true                 # the case study is fictional
sources:
  - title: "Working Together to Safeguard Children (2023)"
    url: https://www.gov.uk/government/publications/working-together-to-safeguard-children--2
authors: [Your Name]
review_date: {review_date}
---

This introduction is shown before the first scene. Set the context in a few sentences.

## The referral {{#referral}}

A health visitor calls: the baby's weight has dropped and the flat was cold on her visit.

> [!EVIDENCE] Department for Education, Working Together (2023)
> Practitioners should be alert to the signs of neglect, including faltering growth.

> [!REFLECT] first-thoughts
> What is your first hypothesis, and what else could explain what you have heard?

- [[Arrange a home visit this week->visit]]
  judgement: safe
  why: Seeing the baby and the home tests the concern directly.
  effects: concern +1
  feedback: You book a visit for Thursday.
- [[Ask the health visitor to keep monitoring->later]]
  judgement: unsafe
  why: Monitoring without a plan leaves the concern untested.
  feedback: >
    The health visitor agrees, a little reluctantly.

## The home visit {{#visit}}

The flat is cold and the cupboards are almost empty. The parent says money ran out.

- [[Talk it through in supervision->later]]
  judgement: safe
  why: Supervision helps you weigh what you have seen.
  effects: concern +1
  feedback: Your supervisor makes time for you the same day.
- [[Give a food bank voucher and close the case->later]]
  judgement: partly-safe
  why: Practical help matters, but closing ends the assessment too soon.
  feedback: The parent thanks you.

## Two weeks later {{#later}}

<!-- A junction: routes on, using the counters. No text would mean no Continue page. -->
Two weeks pass.

-> if concern >= 2: plan
-> otherwise: drift

## A plan is made {{#plan}}
ending: safe

A child in need plan is agreed, with the family's involvement and a clear review date.

## The case drifts {{#drift}}
ending: unsafe

Nobody checks on the baby again until a hospital admission a month later.

# Debrief

- Test explanations against other hypotheses.
- Use supervision to turn concern into action.
"""

QUIZ_TEMPLATE = """\
---
id: {slug}
title: "{title}: check your learning"
draw: 2                         # questions per attempt
shuffle: true
---

## Faltering growth {{#q-growth}}

Which is the best first step when a health visitor reports faltering growth?

- [x] Visit and see the baby
  feedback: Seeing the child tests the concern directly.
- [ ] Wait for the next health visitor report
  feedback: Waiting leaves the concern untested.
- [ ] None of the above
  keep_last: true
  feedback: One of the options is right.

> [!EXPLAIN]
> Always test a concern by seeing the child.

## Supervision {{#q-supervision}}
type: true-false

Supervision is only for cases that are already closed.

- [ ] True
  feedback: Supervision is for live cases too.
- [x] False
  feedback: Right, use it while the case is open.
"""


def _title(slug: str) -> str:
    return slug.replace("-", " ").capitalize()


def new_module_text(slug: str, review_date: datetime.date | None = None) -> str:
    """A commented starter module that passes the check (with ``new_quiz_text(slug)``)."""
    review = review_date or (datetime.date.today() + datetime.timedelta(days=365))
    return MODULE_TEMPLATE.format(slug=slug, title=_title(slug), review_date=review.isoformat())


def new_quiz_text(slug: str) -> str:
    """A starter quiz bank that passes the check."""
    return QUIZ_TEMPLATE.format(slug=slug, title=_title(slug))
