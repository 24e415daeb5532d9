"""Chapter 12's checkers accept different right answers and refuse plausible wrong ones with a hint.

The tables follow tests/test_exercises.py: ``RIGHT`` holds distinct correct answers, ``WRONG`` typical
mistakes with a word of the hint each must get. A right answer's verdict is ``Correct!`` alone.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from xorlib import exercises as ex

RIGHT: list[tuple] = []  # (checker, answer, id)
WRONG: list[tuple] = []  # (checker, answer, word of the hint)
CHECKERS = [ex.predict_12_shapes, ex.check_12_accuracy, ex.check_12_two_classes, ex.debug_12_training_loop]


def right(check, *answers_with_ids) -> None:
    RIGHT.extend((check, answer, name) for name, answer in answers_with_ids)


def wrong(check, *answers_with_hints) -> None:
    WRONG.extend((check, answer, hint) for hint, answer in answers_with_hints)


# 1. A prediction: the shapes of four expressions on logits (6, 4) and labels (6,)

SHAPES = ((6,), (4,), (), (6,))
LOGITS, LABELS = torch.zeros(6, 4), torch.zeros(6, dtype=torch.long)


def guess(**changed):
    """The right guess with some of its four shapes replaced: ``guess(b=(6,))``."""
    return tuple(changed.get(k, shape) for k, shape in zip("abcd", SHAPES, strict=True))


right(ex.predict_12_shapes, ("tuples", SHAPES), ("lists", [[6], [4], [], [6]]),
      ("torch.Size", tuple(torch.Size(s) for s in SHAPES)),
      ("measured", (LOGITS.softmax(dim=1).sum(dim=1).shape, LOGITS.argmax(dim=0).shape,
                    F.cross_entropy(LOGITS, LABELS).shape,
                    F.cross_entropy(LOGITS, LABELS, reduction="none").shape)))
wrong(ex.predict_12_shapes,
      ("removing dimension 1", guess(a=(6, 4))), ("one sum per point", guess(a=(4,))),
      ("dimension 0, the points, stays", guess(a=())),
      ("down each column", guess(b=(6,))), ("unless keepdim=True", guess(b=(1, 4))),
      ("a single number", guess(c=(6,))), ("0-dim tensor", guess(c=(1,))),
      ("keeps one loss per point", guess(d=())), ("its true class only", guess(d=(6, 4))),
      ("which dimensions the operation keeps", guess(d=(5,))),
      ("shape 2", guess(b=(6,), c=(6,))))  # the first wrong shape is named


# 2. Accuracy from (N, C) logits


right(ex.check_12_accuracy,
      ("chapter", lambda logits, y: (logits.argmax(dim=1) == y).float().mean().item()),
      ("softmax first", lambda logits, y: (logits.softmax(dim=1).argmax(dim=1) == y).float().mean()),
      ("max indices", lambda logits, y: (logits.max(dim=1).indices == y).sum().item() / len(y)),
      ("last dim, float64", lambda logits, y: (logits.argmax(dim=-1) == y).double().mean()))
wrong(ex.check_12_accuracy,
      ("argmax(dim=0) picks a point", lambda logits, y: (logits.argmax(dim=0) == y).float().mean()),
      ("not a percentage", lambda logits, y: 100 * (logits.argmax(dim=1) == y).float().mean()),
      ("error rate", lambda logits, y: (logits.argmax(dim=1) != y).float().mean()),
      ("number of points", lambda logits, y: (logits.argmax(dim=1) == y).sum()),
      ("the largest logit for each point", lambda logits, y: (logits.argmax() == y).float().mean()),
      ("should return a number", lambda logits, y: logits.argmax(dim=1) == y))


def dim0_on_a_rectangle(logits, y):
    if logits.shape[0] == logits.shape[1]:  # passes the square case, fails on (6, 4)
        return (logits.argmax(dim=1) == y).float().mean()
    return (logits.argmax(dim=0) == y).float().mean()


wrong(ex.check_12_accuracy, ("argmax over dim=1", dim0_on_a_rectangle))


# 3. Two classes: logits (N, 2) whose cross-entropy is the BCE of z


def zeros_and(z, second):
    return torch.stack([torch.zeros_like(z), second], dim=1)


right(ex.check_12_two_classes,
      ("[0, z]", lambda z: zeros_and(z, z)), ("[-z/2, z/2]", lambda z: torch.stack([-z / 2, z / 2], dim=1)),
      ("log-probabilities", lambda z: torch.stack([F.logsigmoid(-z), F.logsigmoid(z)], dim=1)),
      ("shifted", lambda z: torch.stack([torch.full_like(z, 5.0), z + 5], dim=1)),
      ("cat", lambda z: torch.cat([torch.zeros(len(z), 1), z.unsqueeze(1)], dim=1)))
wrong(ex.check_12_two_classes,
      ("class 1 is column 1", lambda z: torch.stack([z, torch.zeros_like(z)], dim=1)),
      ("yours is 2z", lambda z: torch.stack([-z, z], dim=1)),
      ("those are probabilities", lambda z: torch.stack([1 - torch.sigmoid(z), torch.sigmoid(z)], dim=1)),
      ("those are probabilities", lambda z: zeros_and(z, torch.sigmoid(z))),
      ("F.logsigmoid", lambda z: torch.stack([torch.log(1 - z.sigmoid()), torch.log(z.sigmoid())], dim=1)),
      ("stack along dim=1", lambda z: torch.stack([torch.zeros_like(z), z])),
      ("return (", lambda z: z), ("return a tensor", lambda z: zeros_and(z, z).tolist()),
      ("logits are floats", lambda z: zeros_and(z, z).long()),
      ("probability sigmoid(z)", lambda z: zeros_and(z, 2 * z + 1)))


# 4. Debugging: the chapter's full-batch loop, fixed


def loop(*, softmax=False, wiped=False, floats=False, optimizer=torch.optim.Adam, one_hot=False,
         early_zero=False, loss_after=False, nll=False):
    """The loop with the given mistakes (or right variants) switched on."""
    def train(model, X, y, num_epochs, lr):
        opt, losses = optimizer(model.parameters(), lr=lr), []
        for _ in range(num_epochs):
            if early_zero:
                opt.zero_grad()
            logits = model(X)
            target = F.one_hot(y, 4).float() if one_hot else y.float() if floats else y
            if nll:
                loss = F.nll_loss(F.log_softmax(logits, dim=1), target)
            else:
                loss = nn.CrossEntropyLoss()(torch.softmax(logits, dim=1) if softmax else logits, target)
            if wiped:
                loss.backward()
                opt.zero_grad()
            else:
                if not early_zero:
                    opt.zero_grad()
                loss.backward()
            opt.step()
            if loss_after:
                loss = F.cross_entropy(model(X), y)
            losses.append(loss.item())
        return losses
    return train


right(ex.debug_12_training_loop, ("fixed", loop()), ("zero_grad first", loop(early_zero=True)),
      ("one-hot float targets", loop(one_hot=True)), ("log_softmax and nll_loss", loop(nll=True)))
wrong(ex.debug_12_training_loop,
      ("never moved", loop(softmax=True, wiped=True)), ("never moved", loop(wiped=True)),
      ("still gets probabilities", loop(softmax=True)),
      ("not y.float()", loop(floats=True)), ("keep Adam", loop(optimizer=torch.optim.SGD)),
      ("computed before its step", loop(loss_after=True)),
      ("one loss per epoch", lambda model, X, y, n, lr: loop()(model, X, y, n, lr)[:-1]),
      ("return the list of losses", lambda model, X, y, n, lr: sum(loop()(model, X, y, n, lr))))


def verdict(capsys: pytest.CaptureFixture, check, answer) -> tuple[bool, str]:
    result = check(answer)
    assert capsys.readouterr().out == "", "a checker returns its verdict; it prints nothing"
    return result.ok, repr(result)


@pytest.mark.parametrize(("check", "answer"), [(c, a) for c, a, _ in RIGHT],
                         ids=[f"{c.__name__}-{name}" for c, _, name in RIGHT])
def test_checker_accepts_right_answer(capsys, check, answer) -> None:
    ok, out = verdict(capsys, check, answer)
    assert ok is True and out == "Correct!", out  # the answer is not restated


@pytest.mark.parametrize(("check", "answer", "hint"), WRONG,
                         ids=[f"{c.__name__}-{hint}" for c, _, hint in WRONG])
def test_checker_refuses_wrong_answer_with_hint(capsys, check, answer, hint) -> None:
    ok, out = verdict(capsys, check, answer)
    assert ok is False and out.startswith("Not yet: ") and hint in out, out


def test_every_chapter_12_checker_has_its_tables() -> None:
    assert sorted(c.__name__ for c in CHECKERS) == sorted(n for n in ex.__all__ if "_12_" in n)
    for check in CHECKERS:
        assert sum(c is check for c, *_ in RIGHT) >= 2, check.__name__
        assert sum(c is check for c, *_ in WRONG) >= 1, check.__name__
        assert check.__doc__, check.__name__


def test_a_prediction_hint_never_gives_the_shape() -> None:
    """A wrong guess learns what the operation does, not the right shape: no hint names it."""
    for _, answer, _ in (w for w in WRONG if w[0] is ex.predict_12_shapes):
        message = repr(ex.predict_12_shapes(answer))
        shown = message.split(": ", 2)[-1]  # the hint after "Not yet: shape i, of <expression>:"
        assert not any(str(shape) in shown for shape in SHAPES if shape), message
        assert "()" not in shown, message


@pytest.mark.parametrize(("check", "answer", "match"), [
    (ex.predict_12_shapes, "(6,), (4,), (), (6,)", "four shapes"),
    (ex.predict_12_shapes, ((6,), (4,), ()), "four shapes"),
    (ex.predict_12_shapes, ((6,), (4,), (), (6.0,)), "four shapes"),
    (ex.check_12_accuracy, 0.75, "function"),
    (ex.check_12_two_classes, torch.zeros(3, 2), "function"),
    (ex.debug_12_training_loop, [1.4, 1.3], "function"),
])
def test_wrong_kind_of_answer_raises_type_error(check, answer, match) -> None:
    with pytest.raises(TypeError, match=match):
        check(answer)


def test_checkers_leave_the_global_random_state_alone() -> None:
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    ex.check_12_two_classes(lambda z: zeros_and(z, z))
    ex.debug_12_training_loop(loop())
    assert torch.equal(torch.rand(3), expected)
