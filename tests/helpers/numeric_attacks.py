"""Student code that tries to earn points for wrong answers by lying about
numbers only its own process sees: numeric gradients, arguments changed in
place, warnings. Each is the student's version of one file, written to follow
the solution (its definitions replace the solution's).

The first three are the attacks of issue 17, item 7; LYING_FORWARD answers the
calls it takes for perturbations falsely, finding them by comparing inputs
with earlier calls.
"""

# 7a. A right forward, a backward returning random arrays, and a forged answer
# to the judge's old "perturbed" request (computed in the student's process):
# central differences that agree with the random arrays. 18/30 on the LSTM.
RANDOM_BACKWARD = '''
import sys

_worker = sys.modules.get("rnncourse.sandbox.worker")
_draw = np.random.default_rng(17)
_last = {}


def lstm_step_backward(dh_next, dc_next, cache):
    x, h_prev, c_prev, Wx, Wh = cache[:5]
    grads = tuple(_draw.normal(size=a.shape) for a in (x, h_prev, c_prev, Wx, Wh, Wx[0]))
    _last["lstm_step_forward"] = ((dh_next, dc_next), grads)
    return grads


def lstm_backward(dh, cache):
    x = np.stack([step[0] for step in cache], axis=1)
    h0, Wx, Wh = cache[0][1], cache[0][3], cache[0][4]
    grads = tuple(_draw.normal(size=a.shape) for a in (x, h0, Wx, Wh, Wx[0]))
    _last["lstm_forward"] = ((dh,), grads)
    return grads


def _forged_perturbed(session, request):
    function = getattr(session.module, request["fn"])
    upstream, grads = _last[request["fn"]]
    outputs = function(*request["args"])[:len(upstream)]
    norm = sum(float(np.sum(u * u)) for u in upstream)
    directions = iter(request["directions"])
    rows = [[] for _ in request["only"]]
    for index, entry, delta in zip(request["index"].tolist(), request["entry"].tolist(),
                                   request["delta"].tolist()):
        gradient = grads[index]
        slope = (float(gradient.reshape(-1)[entry]) if entry >= 0
                 else float(np.sum(gradient * next(directions))))
        for row, k in zip(rows, request["only"]):
            row.append(outputs[k] + delta * slope * upstream[k] / norm)
    return {"ok": True, "stacked": [np.stack(row) for row in rows]}


if _worker is not None:
    _worker._perturbed = _forged_perturbed
'''

# 7b. A naive sigmoid with its overflow warning silenced, and derivatives that
# overwrite their input, with the worker's own report of changed arguments
# patched to say "none". 10/10 on activations.
SILENCED_AND_OVERWRITING = '''
import sys

_worker = sys.modules.get("rnncourse.sandbox.worker")
if _worker is not None:
    _worker._snapshot = lambda value: None
    _worker._mutations = lambda before, after, path=(): []


def sigmoid(x):
    with np.errstate(all="ignore"):
        return 1 / (1 + np.exp(-x))


def sigmoid_derivative(x):
    s = sigmoid(x)
    x[...] = s * (1 - s)
    return x


def tanh_derivative(x):
    t = np.tanh(x)
    x[...] = 1 - t * t
    return x
'''

# 7c. A linear map with no gates, and its own (right) gradients. 6/30 on the LSTM.
LINEAR_MAP = '''
def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    return x @ Wx[:, :H] + h_prev @ Wh[:, :H] + b[:H], c_prev.copy(), (x, h_prev, Wx, Wh)


def lstm_step_backward(dh_next, dc_next, cache):
    x, h_prev, Wx, Wh = cache
    H = h_prev.shape[1]
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wx.shape[1])
    dWx[:, :H], dWh[:, :H], db[:H] = x.T @ dh_next, h_prev.T @ dh_next, dh_next.sum(axis=0)
    return dh_next @ Wx[:, :H].T, dh_next @ Wh[:, :H].T, dc_next.copy(), dWx, dWh, db
'''

# A right forward that answers any call close to (not equal to) an earlier one
# as a linear cell would, and a backward that is right for that linear cell:
# central differences taken of its answers agree with its backward.
LYING_FORWARD = '''
_right_step = lstm_step_forward
_earlier = []


def _near(args):
    for old, outputs in reversed(_earlier):
        if all(a.shape == o.shape for a, o in zip(args, old)):
            moved = [a - o for a, o in zip(args, old)]
            if 0 < sum(float(np.abs(m).sum()) for m in moved) < 1e-3:
                return old, moved, outputs
    return None


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    args = (x, h_prev, c_prev, Wx, Wh, b)
    near = _near(args)
    if near is not None:
        (x0, h0, *_), (dx, dh, dc, dWx, dWh, db), (h, c, cache) = near
        H = h_prev.shape[1]
        h = h + dx @ Wx[:, :H] + dh @ Wh[:, :H] + x0 @ dWx[:, :H] + h0 @ dWh[:, :H] + db[:H]
        return h, c + dc, cache
    h, c, cache = _right_step(*args)
    _earlier.append((tuple(a.copy() for a in args), (h, c, cache)))
    del _earlier[:-64]
    return h, c, cache


def lstm_step_backward(dh_next, dc_next, cache):
    x, h_prev, c_prev, Wx, Wh = cache[:5]
    H = h_prev.shape[1]
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wx.shape[1])
    dWx[:, :H], dWh[:, :H], db[:H] = x.T @ dh_next, h_prev.T @ dh_next, dh_next.sum(axis=0)
    return dh_next @ Wx[:, :H].T, dh_next @ Wh[:, :H].T, dc_next.copy(), dWx, dWh, db
'''

# The limit of what the judge can see: a rewritten worker sends back the
# arguments as they were before the call, and no warnings. It can make a
# function that changes its input look as if it did not, but every check of a
# property counts only when the values (compared in the judge) are right, so
# for wrong code it earns nothing.
FORGING_WORKER = '''
import copy
import sys

_worker = sys.modules.get("rnncourse.sandbox.worker")
_real_call = _worker._call


def _forged_call(session, name, args, keep, watch=False):
    before = copy.deepcopy(args)
    answer = _real_call(session, name, args, keep, watch)
    if watch and answer.get("ok"):
        answer["args"], answer["warnings"] = before, []
    return answer


_worker._call = _forged_call


def sigmoid(x):
    x[...] = np.where(x > 0, 1.0, 0.0)
    return x


def sigmoid_derivative(x):
    x *= 0.25
    return x


def tanh_derivative(x):
    x[...] = 1.0
    return x
'''
