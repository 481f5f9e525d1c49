"""A resumable training run continues on the same schedule: interrupted + resumed == uninterrupted."""
import pytest
import torch

from dynofa.configs import FASHION_SPEC
from dynofa.data import fashion_dir
from dynofa.train import train_supernet

pytestmark = pytest.mark.skipif(fashion_dir() is None, reason="Fashion-MNIST (dataset-fashion-mnist) not installed")

ARGS = dict(steps=6, batch_size=8, lr=0.05, warmup=2, n_random=1, seed=3, threads=1, log=lambda s: None)


def test_interrupted_run_resumes_to_the_same_weights(tmp_path):
    whole = train_supernet(FASHION_SPEC, **ARGS)["model"].state_dict()
    state = str(tmp_path / "run.state")
    first = train_supernet(FASHION_SPEC, **ARGS, state_path=state, save_every=2, until_step=3)
    assert first["info"] == {"complete": False, "step": 3, "steps": 6}
    resumed = train_supernet(FASHION_SPEC, **ARGS, state_path=state, save_every=2)["model"].state_dict()
    assert whole.keys() == resumed.keys()
    for key in whole:
        assert torch.equal(whole[key], resumed[key]), key


def test_state_of_another_run_is_refused(tmp_path):
    state = str(tmp_path / "run.state")
    train_supernet(FASHION_SPEC, **ARGS, state_path=state, until_step=2)
    with pytest.raises(ValueError, match="other arguments"):
        train_supernet(FASHION_SPEC, **{**ARGS, "lr": 0.01}, state_path=state)


def test_until_step_needs_a_state_path():
    with pytest.raises(ValueError, match="state_path"):
        train_supernet(FASHION_SPEC, **ARGS, until_step=2)
