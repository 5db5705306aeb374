"""Issue 17 must-show: a predict-before-you-step exercise in its widget, in a real JupyterLab.

The notebook shows ``exercises.key_sizes("alice").widget()``. The test computes the sizes
itself from the policy the statement shows and the RFCs (RFC 2409 §6: the MODP primes of
groups 1, 2 and 5 are 768, 1024, 1536 bits; MD5 16 and SHA-1 20 bytes; DES 8, 3DES 24, AES 16
or 32 bytes), not with the package. It types the sizes in *bits* (a typical mistake), clicks
Check and expects the feedback aimed at bits; then the right sizes, and "✔ Correct". Saved with
the widget state, the file is graded by ``vpnteach grade``: two attempts, correct.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.browser.jupyter import JupyterLabServer, write_notebook
from tests.browser.notebook import Notebook, expect
from tests.browser.test_grading import _save, _saved_records
from vpnteach import exercises
from vpnteach.exercises.grade import grade_folder

LEARNER = "alice"
CELLS = [
    f"%load_ext vpnteach\nfrom vpnteach import exercises\n\n"
    f"ex = exercises.key_sizes({LEARNER!r})\nex.widget()\n"
]
GROUP_BITS = {"1": 768, "2": 1024, "5": 1536}
CIPHER_BYTES = {"des": 8, "3des": 24, "aes": 16, "aes 256": 32}
ESP_BYTES = {"esp-des": 8, "esp-3des": 24, "esp-aes": 16, "esp-aes 256": 32}


def sizes(given: dict[str, str]) -> list[int]:
    """KE data, SKEYID_e, Ka and one SA's KEYMAT, in bytes, from the policy shown."""
    policy, ts = given["crypto isakmp policy 10"], given["crypto ipsec transform-set TS"]
    group = re.search(r"group (\d)", policy)
    cipher = re.search(r"encryption (.+)", policy)
    esp = re.match(r"(esp-\w+(?: 256)?) ", ts)
    assert group and cipher and esp
    hash_bytes = 16 if "hash md5" in policy else 20
    keymat = ESP_BYTES[esp[1]] + (16 if "md5" in ts else 20)
    return [GROUP_BITS[group[1]] // 8, hash_bytes, CIPHER_BYTES[cipher[1].strip()], keymat]


def test_a_prediction_is_typed_checked_and_graded_in_the_widget(
    notebook_page: Notebook, jupyter_server: JupyterLabServer, tmp_path: Path
) -> None:
    right = sizes(exercises.key_sizes(LEARNER).given)
    in_bits = " ".join(str(8 * v) for v in right)
    path = write_notebook(jupyter_server.root_dir / f"{LEARNER}.ipynb", CELLS)
    nb = notebook_page
    nb.run(path.name, expected_cells=len(CELLS))
    output = nb.cell_output(0)
    expect(output).to_contain_text("Predict the sizes before the ledger shows them")
    feedback = nb.html_widget("vpnteach-feedback")
    expect(feedback).to_have_text("")

    nb.type_into(".vpnteach-answer", in_bits)
    nb.click_button("Check")
    expect(feedback).to_contain_text("✘ Not yet")
    expect(feedback).to_contain_text("Those are bits")
    nb.screenshot("practice-key_sizes-wrong", of=output)

    nb.type_into(".vpnteach-answer", " ".join(map(str, right)))
    nb.click_button("Check")
    expect(feedback).to_contain_text("✔ Correct")
    nb.screenshot("practice-key_sizes-right", of=output)
    assert nb.errors() == []

    _save(nb)
    saved = _saved_records(path, 2)
    assert [r["source"] for r in saved] == ["widget", "widget"]
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    shutil.copy(path, submissions / f"{LEARNER}.ipynb")
    row = grade_folder(submissions).row(LEARNER, "key_sizes")
    assert (row.status, row.attempts, row.score) == ("correct", 2, 1.0)
