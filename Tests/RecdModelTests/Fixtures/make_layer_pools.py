"""Regenerates layer_pools_reference.json: masked mean pools of the outputs of transformer blocks 4
and 5 of sentence-transformers/all-MiniLM-L6-v2 (output_hidden_states[4], [5]) for a few texts.
Development-time only (recd itself never runs Python):

    HF_HUB_OFFLINE=1 /tmp/recd-anchors-venv/bin/python make_layer_pools.py > layer_pools_reference.json
"""
import json
import os

import torch
from transformers import AutoModel, AutoTokenizer

src = os.environ.get("RECD_MODEL_SRC", os.path.expanduser("~/.cache/recd/model-src"))
tok = AutoTokenizer.from_pretrained(src)
model = AutoModel.from_pretrained(src).eval()
texts = [
    "I want a laptop under $800",
    "where is my order?",
    "我想买一台笔记本电脑",
    "Can you cancel the blue running shoes I bought yesterday, please?",
    "hi",
]
cases = []
for text in texts:
    enc = tok(text, return_tensors="pt")
    with torch.no_grad():
        out = model(**enc, output_hidden_states=True)
    mask = enc["attention_mask"][0].unsqueeze(-1).float()
    pools = {}
    for layer in (4, 5):
        h = out.hidden_states[layer][0]
        pools[str(layer)] = [round(float(v), 6) for v in (h * mask).sum(0) / mask.sum()]
    cases.append({"text": text, "input_ids": enc["input_ids"][0].tolist(), "pools": pools})
print(json.dumps({"model": "sentence-transformers/all-MiniLM-L6-v2", "layers": [4, 5], "cases": cases}))
