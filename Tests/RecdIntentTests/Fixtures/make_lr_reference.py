"""Regenerates lr_reference.json: a small multinomial logistic-regression problem and scikit-learn's
L-BFGS optimum for it, which the Swift trainer must reach (ClassifierOptimumTests). Development only:

    /tmp/recd-anchors-venv/bin/python make_lr_reference.py > lr_reference.json
"""
import json
import numpy as np
from sklearn.linear_model import LogisticRegression

rng = np.random.default_rng(4)
n, d, k, C = 120, 8, 3, 2.0
centres = rng.normal(size=(k, d))
y = np.arange(n) % k
X = centres[y] + 1.2 * rng.normal(size=(n, d))
X /= np.linalg.norm(X, axis=1, keepdims=True)
X = X.astype(np.float32).astype(np.float64)
clf = LogisticRegression(C=C, tol=1e-12, max_iter=100000).fit(X, y)
Z = X @ clf.coef_.T + clf.intercept_
Z -= Z.max(1, keepdims=True)
ce = np.mean(np.log(np.exp(Z).sum(1)) - Z[np.arange(n), y])
loss = ce + (clf.coef_ ** 2).sum() / (2 * C * n)
print(json.dumps({"C": C, "x": X.round(8).tolist(), "y": y.tolist(), "coef": clf.coef_.tolist(),
                  "intercept": clf.intercept_.tolist(), "loss": loss}))
