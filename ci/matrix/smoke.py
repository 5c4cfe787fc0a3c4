"""Per-stack smoke test of `make test-matrix`: the plugin loads as QGIS loads
it and its Processing algorithms run.

    python ci/matrix/smoke.py [PLUGIN_PARENT_DIR]

1. start a headless QgsApplication and Processing, check osgeo.gdal_array
   (numpy must be the one Debian's GDAL was built against);
2. find the plugin through qgis.utils (metadata.txt is parsed as QGIS does),
   import it with qgis.utils.loadPlugin and start it with
   qgis.utils.startProcessingPlugin, as qgis_process does;
3. check that every algorithm of the provider instantiates and lists its
   parameters;
4. run the provider's algorithms on a small generated polygon layer, filling
   the required parameters generically; at least one must run (a native
   algorithm is run instead while the provider has none yet).

Exit status 0 when all of that holds; the reasons are printed otherwise.
"""
import os
import sys
import tempfile
import traceback
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PLUGIN = "regional_resilience"
PROVIDER = "regional_resilience"
PLUGIN_PARENT = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[2]).resolve()

problems = []


def say(msg):
    print(f"[smoke] {msg}", flush=True)


def flag(owner_new, path_new, owner_old, path_old):
    obj = owner_new
    try:
        for part in path_new.split("."):
            obj = getattr(obj, part)
        return obj
    except AttributeError:
        obj = owner_old
        for part in path_old.split("."):
            obj = getattr(obj, part)
        return obj


def make_layer():
    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsVectorLayer

    uri = (
        "Polygon?crs=EPSG:3857&field=id:integer&field=name:string(20)"
        "&field=x1:double&field=x2:double&field=x3:double&field=w:double"
    )
    layer = QgsVectorLayer(uri, "grid", "memory")
    assert layer.isValid(), "memory layer is invalid"
    feats = []
    n = 5
    k = 0
    for r in range(n):
        for c in range(n):
            ring = [QgsPointXY(c, r), QgsPointXY(c + 1, r), QgsPointXY(c + 1, r + 1), QgsPointXY(c, r + 1)]
            f = QgsFeature(layer.fields())
            f.setGeometry(QgsGeometry.fromPolygonXY([ring]))
            # Smooth, positive, varied values (no ties, no zero variance).
            f.setAttributes([k, f"r{k}", 1.0 + r + 0.37 * c + 0.011 * k * k, 2.0 + ((7 * k) % 11), 5.0 + c * c - 0.3 * r, 0.5 + (k % 3)])
            feats.append(f)
            k += 1
    layer.dataProvider().addFeatures(feats)
    layer.updateExtents()
    return layer


def fill_parameters(alg, layer, tmp, optional_fields=False):
    """Values for every required parameter, or None when one can't be filled.
    With optional_fields, optional field choices on the filled layer are set too
    (algorithms that take either fields or, say, a long table)."""
    from qgis.core import Qgis, QgsProcessingParameterDefinition, QgsProcessingParameterField

    optional = flag(Qgis, "ProcessingParameterFlag.Optional", QgsProcessingParameterDefinition, "FlagOptional")
    numeric = flag(Qgis, "ProcessingFieldParameterDataType.Numeric", QgsProcessingParameterField, "Numeric")
    params = {}
    for p in alg.parameterDefinitions():
        name, kind, default = p.name(), p.type(), p.defaultValue()
        is_optional = bool(p.flags() & optional)
        destination = kind in ("sink", "vectorDestination", "rasterDestination", "fileDestination", "folderDestination")
        on_our_layer = kind == "field" and p.parentLayerParameterName() in params
        if is_optional and default is None and not destination and not (optional_fields and on_our_layer):
            continue
        if kind in ("source", "vector", "layer", "multilayer"):
            params[name] = [layer] if kind == "multilayer" else layer
        elif kind == "field":
            many = p.allowMultiple()
            if p.dataType() != numeric and "id" in name.lower():
                params[name] = ["id"] if many else "id"
            else:
                params[name] = ["x1", "x2", "x3"] if many else "x1"
        elif kind in ("sink", "vectorDestination", "rasterDestination"):
            params[name] = "TEMPORARY_OUTPUT"
        elif kind == "fileDestination":
            ext = p.defaultFileExtension() or "txt"
            params[name] = str(Path(tmp) / f"{alg.name()}_{name}.{ext}")
        elif kind == "folderDestination":
            params[name] = str(Path(tmp) / f"{alg.name()}_{name}")
        elif default is not None:
            params[name] = default
        elif kind == "number":
            params[name] = max(1, p.minimum()) if p.minimum() > -1e300 else 1
        elif kind == "enum":
            params[name] = 0
        elif kind == "boolean":
            params[name] = False
        elif kind == "string":
            params[name] = "x"
        else:
            return None, f"cannot fill required parameter {name!r} of type {kind!r}"
    return params, None


def main():
    from qgis.core import Qgis, QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    say(f"QGIS {Qgis.QGIS_VERSION}, Python {sys.version.split()[0]}")

    import numpy
    from osgeo import gdal, gdal_array

    arr = gdal_array.OpenArray(numpy.arange(6, dtype="float64").reshape(2, 3))
    assert arr.ReadAsArray().sum() == 15
    say(f"gdal_array OK: GDAL {gdal.__version__}, numpy {numpy.__version__} from {Path(numpy.__file__).parent}")

    sys.path.insert(0, str(Path(QgsApplication.pkgDataPath()) / "python" / "plugins"))
    import processing
    from processing.core.Processing import Processing

    Processing.initialize()

    import qgis.utils

    qgis.utils.plugin_paths = [str(PLUGIN_PARENT)] + list(qgis.utils.plugin_paths)
    if str(PLUGIN_PARENT) not in sys.path:
        sys.path.insert(0, str(PLUGIN_PARENT))
    qgis.utils.updateAvailablePlugins()
    if PLUGIN not in qgis.utils.available_plugins:
        problems.append(f"QGIS does not see the plugin {PLUGIN} under {PLUGIN_PARENT} (metadata.txt?)")
        return
    for key in ("qgisMinimumVersion", "qgisMaximumVersion", "supportsQt6", "hasProcessingProvider"):
        say(f"metadata {key} = {qgis.utils.pluginMetadata(PLUGIN, key)}")
    # As QGIS does it: import the package (loadPlugin), then start only its
    # Processing part (startProcessingPlugin, as qgis_process does).
    loaded = qgis.utils.isPluginLoaded(PLUGIN) or (
        qgis.utils.loadPlugin(PLUGIN) and qgis.utils.startProcessingPlugin(PLUGIN)
    )
    if not loaded:
        # qgis.utils logs the reason to the message log only: redo its steps
        # here to get the traceback.
        try:
            import importlib

            importlib.import_module(PLUGIN).classFactory(None).initProcessing()
            why = "no exception when loaded directly"
        except Exception:  # noqa: BLE001
            why = traceback.format_exc()
        problems.append(f"qgis.utils.startProcessingPlugin({PLUGIN!r}) failed:\n{why}")
        return
    registry = QgsApplication.processingRegistry()
    provider = registry.providerById(PROVIDER)
    if provider is None:
        problems.append(f"the plugin loaded but registered no provider {PROVIDER!r}")
        return
    algs = provider.algorithms()
    say(f"plugin loaded: provider {provider.id()!r} with {len(algs)} algorithm(s)")

    for alg in algs:
        try:
            inst = alg.create({})
            defs = inst.parameterDefinitions()
            inst.outputDefinitions()
            inst.shortHelpString()
            say(f"  {alg.id()}: {len(defs)} parameters")
        except Exception:  # noqa: BLE001 - report every failure
            problems.append(f"{alg.id()} does not instantiate:\n{traceback.format_exc()}")

    layer = make_layer()
    ran = []
    with tempfile.TemporaryDirectory() as tmp:
        if not algs:
            say("the provider has no algorithms yet: running native:centroids instead")
            out = processing.run("native:centroids", {"INPUT": layer, "ALL_PARTS": False, "OUTPUT": "TEMPORARY_OUTPUT"})
            assert out["OUTPUT"].featureCount() == layer.featureCount()
            ran.append("native:centroids")
        for alg in algs:
            for optional_fields in (False, True):
                params, why = fill_parameters(alg, layer, tmp, optional_fields)
                if params is None:
                    say(f"  skip {alg.id()}: {why}")
                    break
                try:
                    result = processing.run(alg.id(), params)
                except Exception as exc:  # noqa: BLE001
                    why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                    continue
                ran.append(alg.id())
                say(f"  ran {alg.id()}: outputs {sorted(result)}")
                break
            else:
                say(f"  {alg.id()} did not run with generic parameters: {why}")
    if not ran:
        problems.append("no algorithm of the provider ran with generic parameters on a 5x5 polygon grid")
    else:
        say(f"{len(ran)} algorithm(s) ran: {', '.join(ran)}")
    qgis.utils.unloadPlugin(PLUGIN)


if __name__ == "__main__":
    try:
        main()
    except Exception:  # noqa: BLE001
        problems.append(traceback.format_exc())
    if problems:
        for p in problems:
            print(f"[smoke] FAIL: {p}", flush=True)
        sys.stdout.flush()
        os._exit(1)
    say("OK")
    sys.stdout.flush()
    # Skip interpreter teardown: QGIS objects destroyed in random order can
    # crash at exit on some versions, which says nothing about the plugin.
    os._exit(0)
