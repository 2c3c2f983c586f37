#!/usr/bin/env python3
"""Writes a synthetic national-scale case for the time-window measurement (BENCHMARKS.md):
a ROWS x COLUMNS grid of 1 km cells (default 1000 x 1000: a million cells), every column
draining south to an outlet on the southern edge, hourly forcing (precipitation, PET, air
temperature) on a coarser grid (default 12 km, as reanalyses come) as CF-NetCDF, and one
config per record length. Needs numpy only (the NetCDF file is written in the classic 64-bit
offset format by hand).

    python3 scripts/make-national-case.py /tmp/national [--rows 1000] [--columns 1000] [--forcing-km 12] [--steps 8760]

Writes FOLDER/flwdir.asc, FOLDER/forcing.nc and FOLDER/national-<steps>.yaml for 2190 and
--steps hourly steps from 2019-01-01 00:00 (or for --lengths 384,2190,...)."""
import argparse, os, struct
import numpy as np

def pad4(b):
    return b + b"\0" * (-len(b) % 4)

def name(s):
    e = s.encode()
    return struct.pack(">i", len(e)) + pad4(e)

NC_CHAR, NC_FLOAT, NC_DOUBLE = 2, 5, 6
SIZES = {NC_FLOAT: 4, NC_DOUBLE: 8}

def attributes(attrs):
    if not attrs:
        return struct.pack(">ii", 0, 0)
    out = struct.pack(">ii", 0x0C, len(attrs))
    for k, v in attrs:
        out += name(k)
        if isinstance(v, str):
            e = v.encode()
            out += struct.pack(">ii", NC_CHAR, len(e)) + pad4(e)
        else:
            out += struct.pack(">ii", NC_FLOAT, 1) + struct.pack(">f", v)
    return out

def write_netcdf(path, dims, variables, gattrs):
    """dims: [(name, length)]; variables: [(name, [dim names], type, attrs, array or callable(k) -> first-dim slab)]."""
    dim_index = {d: i for i, (d, _) in enumerate(dims)}
    dim_len = dict(dims)
    def header(begins):
        h = b"CDF\x02" + struct.pack(">i", 0)
        h += struct.pack(">ii", 0x0A, len(dims))
        for d, n in dims:
            h += name(d) + struct.pack(">i", n)
        h += attributes(gattrs)
        h += struct.pack(">ii", 0x0B, len(variables))
        for (v, vd, t, attrs, _), begin in zip(variables, begins):
            size = int(np.prod([dim_len[d] for d in vd])) * SIZES[t]
            h += name(v) + struct.pack(">i", len(vd)) + b"".join(struct.pack(">i", dim_index[d]) for d in vd)
            h += attributes(attrs) + struct.pack(">ii", t, min(size + (-size % 4), 2**32 - 4)) + struct.pack(">q", begin)
        return h
    sizes = [int(np.prod([dim_len[d] for d in vd])) * SIZES[t] for (_, vd, t, _, _) in variables]
    start = len(header([0] * len(variables)))
    begins, offset = [], start
    for s in sizes:
        begins.append(offset)
        offset += s + (-s % 4)
    with open(path, "wb") as f:
        f.write(header(begins))
        for (v, vd, t, attrs, data), s in zip(variables, sizes):
            dtype = ">f4" if t == NC_FLOAT else ">f8"
            if callable(data):
                for k in range(dim_len[vd[0]]):
                    f.write(np.ascontiguousarray(data(k), dtype=dtype).tobytes())
            else:
                f.write(np.ascontiguousarray(data, dtype=dtype).tobytes())
            f.write(b"\0" * (-s % 4))

def main():
    p = argparse.ArgumentParser()
    p.add_argument("folder")
    p.add_argument("--rows", type=int, default=1000)
    p.add_argument("--columns", type=int, default=1000)
    p.add_argument("--forcing-km", type=int, default=12)
    p.add_argument("--steps", type=int, default=8760)
    p.add_argument("--lengths", default="", help="record lengths (steps) to write configs for, comma-separated (default: 2190 and --steps)")
    a = p.parse_args()
    os.makedirs(a.folder, exist_ok=True)
    rows, cols, cell = a.rows, a.columns, 1000.0
    x0, y0 = 100000.0, 6000000.0  # lower-left corner, metres
    # Every column drains south; the southern row is the outlets (off-grid).
    with open(os.path.join(a.folder, "flwdir.asc"), "w") as f:
        f.write(f"ncols {cols}\nnrows {rows}\nxllcorner {x0}\nyllcorner {y0}\ncellsize {cell}\nNODATA_value -9999\n")
        line = " ".join(["4"] * cols) + "\n"
        for _ in range(rows):
            f.write(line)
    fk = a.forcing_km * 1000.0
    frows, fcols = -(-rows * 1000 // int(fk)), -(-cols * 1000 // int(fk))
    steps = a.steps
    rng = np.random.default_rng(7)
    yy, xx = np.meshgrid(np.arange(frows), np.arange(fcols), indexing="ij")
    # Storms: a moving rain band every ~3 days, 20 % of the hours dry everywhere.
    def precipitation(t):
        phase = (t % 72) / 72.0
        band = np.exp(-((xx - phase * fcols) ** 2) / (2 * (fcols / 8) ** 2))
        return (band * (3.0 if (t // 72) % 5 else 0.5) * (0.5 + 0.5 * np.sin(yy / 7.0 + t / 50.0) ** 2)).astype(np.float32)
    def temperature(t):
        day = t / 24.0
        return (10 - 12 * np.cos(2 * np.pi * day / 365) + 5 * np.sin(2 * np.pi * (t % 24 - 9) / 24) - yy * 0.05).astype(np.float32)
    def pet(t):
        day = t / 24.0
        return np.full((frows, fcols), max(0.0, 0.25 * (1 - np.cos(2 * np.pi * day / 365)) * np.sin(np.pi * (t % 24 - 6) / 12)), np.float32)
    top = y0 + rows * cell
    ycoord = np.array([top - (r + 0.5) * fk for r in range(frows)])
    xcoord = np.array([x0 + (c + 0.5) * fk for c in range(fcols)])
    write_netcdf(os.path.join(a.folder, "forcing.nc"),
                 [("time", steps), ("y", frows), ("x", fcols), ("nv", 2)],
                 [("time", ["time"], NC_DOUBLE, [("units", "hours since 2019-01-01 00:00:00"), ("calendar", "standard"), ("bounds", "time_bnds")],
                   np.arange(1, steps + 1, dtype=float)),
                  ("time_bnds", ["time", "nv"], NC_DOUBLE, [], np.stack([np.arange(steps), np.arange(1, steps + 1)], axis=1).astype(float)),
                  ("y", ["y"], NC_DOUBLE, [("units", "m")], ycoord),
                  ("x", ["x"], NC_DOUBLE, [("units", "m")], xcoord),
                  ("prcp", ["time", "y", "x"], NC_FLOAT, [("units", "mm")], precipitation),
                  ("tas", ["time", "y", "x"], NC_FLOAT, [("units", "degC")], temperature),
                  ("pet", ["time", "y", "x"], NC_FLOAT, [("units", "mm")], pet)],
                 [("Conventions", "CF-1.8"), ("title", "HydroGPU synthetic national-scale forcing")])
    import datetime
    start = datetime.datetime(2019, 1, 1)
    lengths = [int(v) for v in a.lengths.split(",")] if a.lengths else [2190, steps]
    for n in sorted(set(v for v in lengths if v <= steps)):
        end = start + datetime.timedelta(hours=n)
        warm = start + datetime.timedelta(hours=min(n // 4, 720))
        gauges = "".join(f"  - {{id: outlet{c}, row: {rows - 1}, col: {c}}}\n" for c in (cols // 10, cols // 2, 9 * cols // 10))
        with open(os.path.join(a.folder, f"national-{n}.yaml"), "w") as f:
            f.write(f"""# Synthetic national-scale case (scripts/make-national-case.py): {rows} x {cols} cells of 1 km, forcing on {a.forcing_km} km.
name: national-{n}
domain:
  flow_direction: flwdir.asc
  encoding: esri
time:
  step: 1h
  start: {start:%Y-%m-%d %H:%M}
  end: {end:%Y-%m-%d %H:%M}
periods:
  warmup: [{start:%Y-%m-%d %H:%M}, {warm:%Y-%m-%d %H:%M}]
forcing:
  precipitation: {{file: forcing.nc, variable: prcp}}
  temperature: {{file: forcing.nc, variable: tas}}
  pet: {{file: forcing.nc, variable: pet}}
gauges:
{gauges}model:
  solver: sequential
  snow: true
  routing: d8
output:
  folder: results-{n}
""")

if __name__ == "__main__":
    main()
