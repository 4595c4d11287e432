"""The §1 training stepper, optimisers (vs torch.optim), losses, features, step-through."""

import numpy as np
import pytest
import torch
from sklearn.metrics import confusion_matrix as sk_confusion

from core.backprop.datasets import DATASETS, from_points, make_dataset
from core.backprop.features import FEATURE_NAMES, make_features
from core.backprop.losses import targets
from core.backprop.mlp import MLP, MLPConfig
from core.backprop.optim import OPTIMIZERS, make_optimizer
from core.backprop.stepthrough import step_through
from core.backprop.trainer import BackpropTrainer, TrainConfig, confusion_matrix, resolve_loss
from core.training import Stepper, run_stepper


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_optimizers_match_torch_optim(name):
    rng = np.random.default_rng(0)
    p = [rng.normal(size=(3, 2)), rng.normal(size=2)]
    tp = [torch.tensor(a, requires_grad=True) for a in p]
    ref = {
        "sgd": lambda ps: torch.optim.SGD(ps, lr=0.1),
        "momentum": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9),
        "adam": lambda ps: torch.optim.Adam(ps, lr=0.1),
    }[name](tp)
    ours = make_optimizer(name, p, 0.1)
    for _ in range(12):
        grads = [rng.normal(size=a.shape) for a in p]
        for t, g in zip(tp, grads, strict=False):
            t.grad = torch.tensor(g)
        ref.step()
        ours.step(grads)
    for a, t in zip(p, tp, strict=False):
        np.testing.assert_allclose(a, t.detach().numpy(), atol=1e-12)


def test_unknown_names_fail_loudly():
    with pytest.raises(ValueError, match="choose from"):
        make_optimizer("rmsprop", [], 0.1)
    with pytest.raises(ValueError, match="choose from"):
        make_dataset("nope")
    with pytest.raises(ValueError, match="choose from"):
        make_features(np.zeros((2, 2)), ["x3"])
    with pytest.raises(ValueError, match="at least one"):
        make_features(np.zeros((2, 2)), [])
    with pytest.raises(ValueError, match="choose from"):
        MLPConfig(activation="swish")
    assert set(OPTIMIZERS) == {"sgd", "momentum", "adam"}


def test_features_values():
    X = np.array([[0.5, -2.0]])
    phi = make_features(X, FEATURE_NAMES)
    np.testing.assert_allclose(phi[0], [0.5, -2.0, 0.25, 4.0, -1.0, np.sin(0.5), np.sin(-2.0)])


@pytest.mark.parametrize("name", DATASETS)
def test_datasets_split_and_seeded(name):
    a = make_dataset(name, 100, 0.1, seed=3, train_frac=0.3)
    b = make_dataset(name, 100, 0.1, seed=3, train_frac=0.3)
    assert len(a.X_train) == 30 and len(a.X_test) == 70
    np.testing.assert_array_equal(a.X_train, b.X_train)
    assert a.task == ("regression" if name.startswith("reg_") else "classification")


def test_trainer_is_a_stepper_and_learns_xor_with_a_hidden_layer():
    data = make_dataset("xor", 300, 0.05, seed=0)
    tr = BackpropTrainer(TrainConfig(hidden=(8,), optimizer="adam", lr=0.03), data)
    assert isinstance(tr, Stepper)
    first = tr.evaluate()
    m = run_stepper(tr, 1500, show=False)
    assert tr.steps_done == 1500
    assert m["loss"] < 0.5 * first["loss"]
    assert m["test_accuracy"] > 0.9
    assert tr.history.step[-1] == 1500 and len(tr.history.grad_norm[-1]) == 2


def test_linear_model_cannot_learn_xor_but_the_x1x2_feature_can():
    data = make_dataset("xor", 300, 0.05, seed=0)
    lin = BackpropTrainer(TrainConfig(hidden=(), optimizer="adam", lr=0.05), data)
    lin.step(1500)
    feat = BackpropTrainer(
        TrainConfig(features=("x1*x2",), hidden=(), optimizer="adam", lr=0.05), data
    )
    feat.step(1500)
    assert lin.evaluate()["test_accuracy"] < 0.7
    assert feat.evaluate()["test_accuracy"] > 0.9


def test_three_class_spiral_with_softmax():
    data = make_dataset("blobs3", 300, 0.0, seed=1)
    tr = BackpropTrainer(TrainConfig(loss="bce", hidden=(8,), optimizer="adam", lr=0.03), data)
    assert tr.loss == "softmax_ce" and tr.loss_note  # bce was asked for: resolved + explained
    tr.step(800)
    m = tr.evaluate()
    assert m["test_accuracy"] > 0.9
    C = tr.confusion()
    assert C.shape == (3, 3) and C.sum() == len(data.y_test)
    np.testing.assert_array_equal(
        C,
        sk_confusion(data.y_test, tr.classify_logits(tr.net.logits(tr.phi_test)), labels=[0, 1, 2]),
    )


def test_regression_losses_and_resolution():
    data = make_dataset("reg_sin1d", 200, 0.05, seed=0)
    assert resolve_loss("bce", data)[0] == "mse"
    for loss in ("mse", "l1"):
        tr = BackpropTrainer(TrainConfig(loss=loss, hidden=(16,), optimizer="adam", lr=0.02), data)
        assert tr.head == "identity"
        L0 = tr.evaluate()["loss"]
        m = tr.step(1500)
        assert m["loss"] < 0.3 * L0 and "accuracy" not in m


def test_divergence_gives_nan_metrics_not_an_exception():
    data = make_dataset("reg_gaussian", 200, 0.1, seed=0)
    tr = BackpropTrainer(
        TrainConfig(hidden=(8,) * 6, activation="sigmoid", lr=10.0, loss="mse"), data
    )
    m = tr.step(300)
    assert tr.diverged and np.isnan(m["loss"])
    assert np.isnan(tr.step(5)["loss"])  # stays diverged, never raises


def test_deep_sigmoid_lr10_classification_does_not_crash():
    data = make_dataset("spiral", 200, 0.1, seed=0)
    tr = BackpropTrainer(TrainConfig(hidden=(8,) * 6, activation="sigmoid", lr=10.0), data)
    m = tr.step(200)
    assert set(m) >= {"loss", "test_loss", "epoch"}
    g = np.array(tr.history.grad_norm[-1])
    assert g[0] < g[-1]  # vanishing gradient: the first layer gets a much smaller gradient


def test_l2_shrinks_weights_and_l1_sparsifies():
    data = make_dataset("two_gaussians", 200, 0.0, seed=0)
    norms = {}
    for reg in ("none", "l2", "l1"):
        tr = BackpropTrainer(
            TrainConfig(hidden=(8,), regularizer=reg, reg_rate=0.03, optimizer="sgd", lr=0.1), data
        )
        tr.step(600)
        norms[reg] = sum(np.abs(W).sum() for W in tr.net.W)
    assert norms["l2"] < norms["none"] and norms["l1"] < norms["none"]


def test_confusion_matrix():
    C = confusion_matrix(np.array([0, 1, 1, 2]), np.array([0, 1, 2, 2]), 3)
    np.testing.assert_array_equal(C, [[1, 0, 0], [0, 1, 1], [0, 0, 1]])


def test_uploaded_points_relabelled():
    X = np.random.default_rng(0).normal(size=(20, 2))
    y = np.array([3, 7] * 10)
    s = from_points(X, y, 0.5, 0)
    assert set(np.unique(np.concatenate([s.y_train, s.y_test]))) == {0, 1}


def test_step_through_matches_the_backward_pass():
    rng = np.random.default_rng(0)
    net = MLP(MLPConfig(2, (3, 2), 1, "tanh", "sigmoid"), seed=0)
    x, t = rng.normal(size=(1, 2)), targets(np.array([1]), 1, "sigmoid")
    stages = step_through(net, x, t, "bce")
    L = net.n_layers
    assert len(stages) == 2 * L + 2
    bw = net.backward(net.forward(x), t, "bce")
    last = stages[-1]
    for E, dW in zip(last.edge_values, bw.dW, strict=False):
        np.testing.assert_allclose(E, dW)
    np.testing.assert_allclose(last.node_values[1], bw.delta[1][0])
    # forward stages reveal one more layer each
    assert np.isnan(stages[0].node_values[1]).all() and not np.isnan(stages[1].node_values[1]).any()
    # the output delta of BCE + sigmoid is y_hat - y
    fw = net.forward(x)
    np.testing.assert_allclose(stages[L + 2].node_values[L], fw.y_hat[0] - t[0])
