#!/usr/bin/python3
"""Independent numpy reference for the Java schedulers (io.dreamid.diffusion.scheduler).

Written from the published formulas and the arithmetic of diffusers' schedulers (v0.31), not from the Java
code: DDIM (Song et al. 2021, eq. 12, eta = 0), Euler (Karras et al. 2022, algorithm 2 without churn),
Euler ancestral (k-diffusion's sigma_up / sigma_down split), DPM-Solver++(2M) (Lu et al. 2022, algorithm 2,
midpoint and Heun variants), PLMS (Liu et al. 2022, PNDM with skip_prk_steps). Precision follows diffusers
on CPU: scheduler tables and per-step arithmetic in float32 (torch tensors); timestep grids and the sigma
interpolation in float64 (numpy), cast to float32; cumprod accumulated in float64 (torch's CPU kernel) and
stored as float32.

It also defines the noise generator (GaussianNoise in Java): splitmix64 (Steele, Lea, Flood 2014) from the
seed, Marsaglia's polar method on pairs of doubles in [-1, 1), each normal cast to float32.

Each case runs a deterministic fake model, model_output[i] = 0.1 * x[i] + sin(t / 100 + 0.05 * i), computed
in float64 from the scaled model input x and cast to float32, for a full trajectory from
noise * init_noise_sigma.

Usage: /usr/bin/python3 schedulers_ref.py > \
  ../../../diffusion-service/src/test/resources/scheduler/scheduler-golden.json
"""
import json
import math
import sys

import numpy as np

F = np.float32
SEED = 20240611
SIZE = 32
STEPS = 20
MASK64 = (1 << 64) - 1


# ---------------------------------------------------------------- noise generator
class GaussianNoise:
    """splitmix64 + Marsaglia polar method; must match io.dreamid.diffusion.scheduler.GaussianNoise."""

    def __init__(self, seed):
        self.state = seed & MASK64
        self.spare = None

    def next_long(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def next_double(self):
        return (self.next_long() >> 11) * 2.0 ** -53

    def next_gaussian(self):
        if self.spare is not None:
            value, self.spare = self.spare, None
            return value
        while True:
            u = 2.0 * self.next_double() - 1.0
            v = 2.0 * self.next_double() - 1.0
            s = u * u + v * v
            if 0.0 < s < 1.0:
                break
        m = math.sqrt(-2.0 * math.log(s) / s)
        self.spare = v * m
        return u * m

    def next(self, n):
        return np.array([self.next_gaussian() for _ in range(n)], dtype=np.float64).astype(np.float32)


# ---------------------------------------------------------------- shared tables
def betas_of(cfg):
    n = cfg["num_train_timesteps"]
    if cfg.get("trained_betas") is not None:
        return np.array(cfg["trained_betas"], dtype=np.float32)
    schedule = cfg["beta_schedule"]
    if schedule == "linear":
        return np.linspace(cfg["beta_start"], cfg["beta_end"], n).astype(np.float32)
    if schedule == "scaled_linear":
        roots = np.linspace(cfg["beta_start"] ** 0.5, cfg["beta_end"] ** 0.5, n).astype(np.float32)
        return roots * roots
    if schedule == "squaredcos_cap_v2":
        def alpha_bar(t):
            return math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2
        return np.array([min(1 - alpha_bar((i + 1) / n) / alpha_bar(i / n), 0.999) for i in range(n)],
                        dtype=np.float64).astype(np.float32)
    raise ValueError(schedule)


def alphas_cumprod_of(cfg):
    alphas = F(1.0) - betas_of(cfg)
    return np.cumprod(alphas.astype(np.float64)).astype(np.float32)


def flog(x):
    """float32 log as torch computes it on a 0-d tensor: the float64 result rounded once."""
    with np.errstate(divide="ignore"):
        return F(np.log(np.float64(x)))


def fexp(x):
    return F(np.exp(np.float64(x)))


def train_sigmas(ac):
    return np.sqrt((F(1.0) - ac) / ac)


def interp_sigmas(timesteps, ac):
    table = train_sigmas(ac)
    return np.interp(np.asarray(timesteps, dtype=np.float64), np.arange(0, len(table)), table)


# ---------------------------------------------------------------- DDIM
class DDIM:
    def __init__(self, cfg):
        self.cfg = cfg
        self.ac = alphas_cumprod_of(cfg)
        self.final = F(1.0) if cfg["set_alpha_to_one"] else self.ac[0]
        self.init_noise_sigma = F(1.0)

    def set_timesteps(self, steps):
        cfg, n = self.cfg, self.cfg["num_train_timesteps"]
        self.steps = steps
        spacing = cfg["timestep_spacing"]
        if spacing == "linspace":
            ts = np.linspace(0, n - 1, steps).round()[::-1].copy().astype(np.int64)
        elif spacing == "leading":
            ratio = n // steps
            ts = (np.arange(0, steps) * ratio).round()[::-1].copy().astype(np.int64) + cfg["steps_offset"]
        else:
            ratio = n / steps
            ts = np.round(np.arange(n, 0, -ratio)).astype(np.int64) - 1
        self.timesteps = ts

    def scale(self, sample, i):
        return sample

    def step(self, mo, i, sample, noise):
        t = int(self.timesteps[i])
        prev = t - self.cfg["num_train_timesteps"] // self.steps
        a_t = self.ac[t]
        a_prev = self.ac[prev] if prev >= 0 else self.final
        b_t = F(1.0) - a_t
        pt = self.cfg["prediction_type"]
        if pt == "epsilon":
            x0 = (sample - np.sqrt(b_t) * mo) / np.sqrt(a_t)
            eps = mo
        elif pt == "sample":
            x0 = mo
            eps = (sample - np.sqrt(a_t) * x0) / np.sqrt(b_t)
        else:
            x0 = np.sqrt(a_t) * sample - np.sqrt(b_t) * mo
            eps = np.sqrt(a_t) * mo + np.sqrt(b_t) * sample
        # eq. 12 with eta = 0: sigma_t = 0, the direction term is sqrt(1 - alpha_prev) * eps
        direction = np.sqrt(F(1.0) - a_prev - F(0.0)) * eps
        return np.sqrt(a_prev) * x0 + direction


# ---------------------------------------------------------------- Euler and Euler ancestral
def sigma_timesteps(cfg, steps):
    n = cfg["num_train_timesteps"]
    spacing = cfg["timestep_spacing"]
    if spacing == "linspace":
        return np.linspace(0, n - 1, steps).astype(np.float32)[::-1].copy()
    if spacing == "leading":
        ratio = n // steps
        return (np.arange(0, steps) * ratio).round()[::-1].copy().astype(np.float32) + F(cfg["steps_offset"])
    ratio = n / steps
    return np.arange(n, 0, -ratio).round().copy().astype(np.float32) - F(1.0)


class Euler:
    ancestral = False

    def __init__(self, cfg):
        self.cfg = cfg
        self.ac = alphas_cumprod_of(cfg)

    def final_sigma(self):
        if self.cfg["final_sigmas_type"] == "sigma_min":
            return np.sqrt((F(1.0) - self.ac[0]) / self.ac[0])
        return 0.0

    def set_timesteps(self, steps):
        self.timesteps = sigma_timesteps(self.cfg, steps)
        self.sigmas = np.concatenate([interp_sigmas(self.timesteps, self.ac), [self.final_sigma()]]).astype(np.float32)
        max_sigma = self.sigmas.max()
        if self.cfg["timestep_spacing"] in ("linspace", "trailing"):
            self.init_noise_sigma = max_sigma
        else:
            self.init_noise_sigma = np.sqrt(max_sigma * max_sigma + F(1.0))

    def scale(self, sample, i):
        sigma = self.sigmas[i]
        return sample / np.sqrt(sigma * sigma + F(1.0))

    def denoised(self, mo, sigma, sample):
        pt = self.cfg["prediction_type"]
        if pt == "epsilon":
            return sample - sigma * mo
        if pt == "sample":
            return mo
        return mo * (-sigma / np.sqrt(sigma * sigma + F(1.0))) + sample / (sigma * sigma + F(1.0))

    def step(self, mo, i, sample, noise):
        sigma = self.sigmas[i]
        sigma_hat = sigma * F(1.0)
        x0 = self.denoised(mo, sigma_hat, sample)
        # Karras et al. 2022 algorithm 2: d = (x - D(x)) / sigma, Euler step to the next sigma
        derivative = (sample - x0) / sigma_hat
        dt = self.sigmas[i + 1] - sigma_hat
        return sample + derivative * dt


class EulerAncestral(Euler):
    def final_sigma(self):
        # diffusers' ancestral sampler always ends at sigma 0
        return 0.0

    def step(self, mo, i, sample, noise):
        sigma = self.sigmas[i]
        x0 = self.denoised(mo, sigma, sample)
        s_from, s_to = self.sigmas[i], self.sigmas[i + 1]
        sigma_up = np.sqrt(s_to * s_to * (s_from * s_from - s_to * s_to) / (s_from * s_from))
        sigma_down = np.sqrt(s_to * s_to - sigma_up * sigma_up)
        derivative = (sample - x0) / sigma
        dt = sigma_down - sigma
        prev = sample + derivative * dt
        return prev + noise.next(sample.size) * sigma_up


# ---------------------------------------------------------------- DPM-Solver++ multistep
class DPMSolverPP:
    def __init__(self, cfg, order):
        self.cfg = cfg
        self.order = order
        self.ac = alphas_cumprod_of(cfg)
        self.init_noise_sigma = F(1.0)

    def set_timesteps(self, steps):
        cfg, n = self.cfg, self.cfg["num_train_timesteps"]
        last = n
        spacing = cfg["timestep_spacing"]
        if spacing == "linspace":
            ts = np.linspace(0, last - 1, steps + 1).round()[::-1][:-1].copy().astype(np.int64)
        elif spacing == "leading":
            ratio = last // (steps + 1)
            ts = (np.arange(0, steps + 1) * ratio).round()[::-1][:-1].copy().astype(np.int64) + cfg["steps_offset"]
        else:
            ratio = n / steps
            ts = np.arange(last, 0, -ratio).round().copy().astype(np.int64) - 1
        self.timesteps = ts
        sig = interp_sigmas(ts, self.ac)
        if cfg["final_sigmas_type"] == "sigma_min":
            last_sigma = np.sqrt((F(1.0) - self.ac[0]) / self.ac[0])
        else:
            last_sigma = 0.0
        self.sigmas = np.concatenate([sig, [last_sigma]]).astype(np.float32)
        self.outputs = [None, None]
        self.lower_order_nums = 0

    def scale(self, sample, i):
        return sample

    @staticmethod
    def alpha_sigma(sigma):
        alpha = F(1.0) / np.sqrt(sigma * sigma + F(1.0))
        return alpha, sigma * alpha

    def step(self, mo, i, sample, noise):
        cfg = self.cfg
        n = len(self.timesteps)
        lower_final = i == n - 1 and (cfg["euler_at_final"] or (cfg["lower_order_final"] and n < 15)
                                      or cfg["final_sigmas_type"] == "zero")
        lower_second = i == n - 2 and cfg["lower_order_final"] and n < 15
        alpha_s0, sigma_s0 = self.alpha_sigma(self.sigmas[i])
        pt = cfg["prediction_type"]
        if pt == "epsilon":
            x0 = (sample - sigma_s0 * mo) / alpha_s0
        elif pt == "sample":
            x0 = mo
        else:
            x0 = alpha_s0 * sample - sigma_s0 * mo
        self.outputs = [self.outputs[1], x0]
        alpha_t, sigma_t = self.alpha_sigma(self.sigmas[i + 1])
        lambda_t = flog(alpha_t) - flog(sigma_t)
        lambda_s0 = flog(alpha_s0) - flog(sigma_s0)
        h = lambda_t - lambda_s0
        # exp(-h) - 1 = sigma-ratio form of Lu et al. 2022 eq. (5) for the data-prediction model
        phi = alpha_t * (fexp(-h) - F(1.0))
        if self.order == 1 or self.lower_order_nums < 1 or lower_final:
            prev = (sigma_t / sigma_s0) * sample - phi * x0
        else:
            alpha_s1, sigma_s1 = self.alpha_sigma(self.sigmas[i - 1])
            lambda_s1 = flog(alpha_s1) - flog(sigma_s1)
            h_0 = lambda_s0 - lambda_s1
            r0 = h_0 / h
            m0, m1 = self.outputs[1], self.outputs[0]
            d1 = (F(1.0) / r0) * (m0 - m1)
            if cfg["solver_type"] == "midpoint":
                prev = (sigma_t / sigma_s0) * sample - phi * x0 - (F(0.5) * phi) * d1
            else:
                prev = (sigma_t / sigma_s0) * sample - phi * x0 + (alpha_t * ((fexp(-h) - F(1.0)) / h + F(1.0))) * d1
        if self.lower_order_nums < self.order:
            self.lower_order_nums += 1
        return prev


# ---------------------------------------------------------------- PNDM (PLMS, skip_prk_steps)
class PLMS:
    def __init__(self, cfg):
        self.cfg = cfg
        self.ac = alphas_cumprod_of(cfg)
        self.final = F(1.0) if cfg["set_alpha_to_one"] else self.ac[0]
        self.init_noise_sigma = F(1.0)

    def set_timesteps(self, steps):
        cfg, n = self.cfg, self.cfg["num_train_timesteps"]
        self.steps = steps
        spacing = cfg["timestep_spacing"]
        if spacing == "linspace":
            base = np.linspace(0, n - 1, steps).round().astype(np.int64)
        elif spacing == "leading":
            base = (np.arange(0, steps) * (n // steps)).round().astype(np.int64) + cfg["steps_offset"]
        else:
            base = np.round(np.arange(n, 0, -(n / steps)))[::-1].astype(np.int64) - 1
        self.timesteps = np.concatenate([base[:-1], base[-2:-1], base[-1:]])[::-1].copy()
        self.ets = []
        self.counter = 0
        self.cur_sample = None

    def scale(self, sample, i):
        return sample

    def step(self, mo, i, sample, noise):
        ratio = self.cfg["num_train_timesteps"] // self.steps
        t = int(self.timesteps[i])
        prev_t = t - ratio
        if self.counter != 1:
            self.ets = self.ets[-3:]
            self.ets.append(mo)
        else:
            prev_t = t
            t = t + ratio
        e = self.ets
        if len(e) == 1 and self.counter == 0:
            self.cur_sample = sample
        elif len(e) == 1 and self.counter == 1:
            mo = (mo + e[-1]) / F(2.0)
            sample = self.cur_sample
            self.cur_sample = None
        elif len(e) == 2:
            mo = (F(3.0) * e[-1] - e[-2]) / F(2.0)
        elif len(e) == 3:
            mo = (F(23.0) * e[-1] - F(16.0) * e[-2] + F(5.0) * e[-3]) / F(12.0)
        else:
            mo = F(1.0 / 24.0) * (F(55.0) * e[-1] - F(59.0) * e[-2] + F(37.0) * e[-3] - F(9.0) * e[-4])
        self.counter += 1
        a_t = self.ac[t]
        a_prev = self.ac[prev_t] if prev_t >= 0 else self.final
        b_t = F(1.0) - a_t
        b_prev = F(1.0) - a_prev
        if self.cfg["prediction_type"] == "v_prediction":
            mo = np.sqrt(a_t) * mo + np.sqrt(b_t) * sample
        # Liu et al. 2022 eq. (9): the transfer from x_t to x_(t - delta) given the combined noise estimate
        sample_coeff = np.sqrt(a_prev / a_t)
        denom = a_t * np.sqrt(b_prev) + np.sqrt(a_t * b_t * a_prev)
        return sample_coeff * sample - ((a_prev - a_t) * mo) / denom


# ---------------------------------------------------------------- cases
SD15 = {"num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
        "prediction_type": "epsilon", "timestep_spacing": "leading", "steps_offset": 1, "set_alpha_to_one": False,
        "clip_sample": False, "skip_prk_steps": True, "solver_order": 2, "algorithm_type": "dpmsolver++",
        "solver_type": "midpoint", "lower_order_final": True, "euler_at_final": False,
        "final_sigmas_type": "zero", "use_karras_sigmas": False}


def make(name, cfg):
    if name == "ddim":
        return DDIM(cfg)
    if name == "euler":
        return Euler(cfg)
    if name == "euler-ancestral":
        return EulerAncestral(cfg)
    if name == "dpmpp-2m":
        return DPMSolverPP(cfg, cfg["solver_order"])
    return PLMS(cfg)


def fake_model(x, t):
    i = np.arange(x.size, dtype=np.float64)
    return (0.1 * x.astype(np.float64) + np.sin(float(t) / 100.0 + 0.05 * i)).astype(np.float32)


def cases():
    out = []
    prediction_types = {"ddim": ["epsilon", "v_prediction", "sample"], "euler": ["epsilon", "v_prediction", "sample"],
                        "euler-ancestral": ["epsilon", "v_prediction"],
                        "dpmpp-2m": ["epsilon", "v_prediction", "sample"], "pndm": ["epsilon", "v_prediction"]}
    for name, pts in prediction_types.items():
        for pt in pts:
            for spacing in ("leading", "trailing", "linspace"):
                out.append((name, dict(SD15, prediction_type=pt, timestep_spacing=spacing), STEPS))
        out.append((name, dict(SD15, beta_schedule="linear", beta_start=0.0001, beta_end=0.02, steps_offset=0), STEPS))
        out.append((name, dict(SD15, beta_schedule="squaredcos_cap_v2", prediction_type="v_prediction",
                               timestep_spacing="trailing"), STEPS))
        out.append((name, dict(SD15, set_alpha_to_one=True, timestep_spacing="linspace"), 30))
    out.append(("euler", dict(SD15, final_sigmas_type="sigma_min", timestep_spacing="trailing"), STEPS))
    out.append(("dpmpp-2m", dict(SD15, solver_type="heun"), STEPS))
    out.append(("dpmpp-2m", dict(SD15, final_sigmas_type="sigma_min", lower_order_final=False), STEPS))
    out.append(("dpmpp-2m", dict(SD15, solver_order=1), STEPS))
    out.append(("dpmpp-2m", dict(SD15, final_sigmas_type="sigma_min", prediction_type="v_prediction"), 10))
    out.append(("ddim", dict(SD15, trained_betas=[float(b) for b in np.linspace(0.0001, 0.02, 1000)]), STEPS))
    return out


def main():
    result = {"generator": "tools/diffusion/reference/schedulers_ref.py", "seed": SEED, "size": SIZE,
              "model": "model_output[i] = float32(0.1 * x[i] + sin(t / 100 + 0.05 * i)), x = scaled model input",
              "tolerance": "abs(java - ref) <= 1e-5 * max(1, abs(ref))", "cases": []}
    longest = max(steps for _, _, steps in cases())
    noise_stream = GaussianNoise(SEED).next(SIZE * (longest + 1))
    result["noise"] = [fmt(v) for v in noise_stream]
    for name, cfg, steps in cases():
        scheduler = make(name, cfg)
        scheduler.set_timesteps(steps)
        noise = GaussianNoise(SEED)
        sample = noise.next(SIZE) * F(scheduler.init_noise_sigma)
        trajectory = []
        for i, t in enumerate(scheduler.timesteps):
            model_input = scheduler.scale(sample, i)
            sample = scheduler.step(fake_model(model_input, t), i, sample, noise).astype(np.float32)
            assert np.all(np.isfinite(sample)), (name, cfg, i)
            trajectory.append([fmt(v) for v in sample])
        config = {k: v for k, v in cfg.items()}
        config["_class_name"] = {"ddim": "DDIMScheduler", "euler": "EulerDiscreteScheduler",
                                 "euler-ancestral": "EulerAncestralDiscreteScheduler",
                                 "dpmpp-2m": "DPMSolverMultistepScheduler", "pndm": "PNDMScheduler"}[name]
        result["cases"].append({"scheduler": name, "steps": steps, "config": config,
                                "timesteps": [fmt(F(t)) for t in scheduler.timesteps],
                                "init_noise_sigma": fmt(F(scheduler.init_noise_sigma)),
                                "trajectory": trajectory})
    json.dump(result, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


def fmt(v):
    return float(np.format_float_positional(F(v), unique=True, trim="-"))


if __name__ == "__main__":
    main()
