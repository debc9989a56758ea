"""Fixtures: small fake MNIST folders written by the tests."""

import pytest
from idx_files import write_mnist_folder


@pytest.fixture
def mnist_folder(tmp_path):
    """A folder with four small fake MNIST files, and the arrays in them."""
    folder = tmp_path / "mnist-files"
    return folder, write_mnist_folder(folder)
