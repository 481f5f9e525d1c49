/**
 * Whether this build's TensorRT backend can run here, asked in one place: compiled in, its libraries loadable and
 * accepted (tensorrtProbe: TensorRT, the CUDA runtime, the ONNX parser), and a CUDA device present (tensorrtInfo).
 */
import { type NativeBinding, type NativeTensorRtInfo, type NativeTensorRtProbe } from '../native/addon';

export interface TensorRtStatus {
  /** TensorRT support is compiled into this addon. */
  compiled: boolean;
  /** Present when compiled in. */
  probe?: NativeTensorRtProbe;
  /** Present when the libraries load; `info.cuda` when a CUDA device is usable too. */
  info?: NativeTensorRtInfo;
  /** Why the TensorRT devices cannot be used here; undefined when they can. */
  reason?: string;
}

export function tensorRtStatus(binding: NativeBinding): TensorRtStatus {
  if (!binding.backends().includes('tensorrt') || !binding.tensorrtInfo || !binding.tensorrtProbe) {
    return { compiled: false, reason:
        'TensorRT is not in this build: this addon was compiled without TensorRT (the CPU build). On a Jetson, install the package with its ' +
        'TensorRT binaries (JetPack 5.1+/6), or rebuild where the TensorRT and CUDA headers are (docs/installing.md)',
    };
  }
  const probe = binding.tensorrtProbe();
  if (!probe.available) return { compiled: true, probe, reason: `TensorRT cannot be loaded: ${probe.reason ?? 'unknown'}` };
  let info: NativeTensorRtInfo;
  try {
    info = binding.tensorrtInfo();
  } catch (error) {
    return { compiled: true, probe, reason: (error as Error).message };
  }
  const status: TensorRtStatus = { compiled: true, info, probe };
  if (!info.cuda) status.reason = `no usable CUDA device: ${info.cudaError ?? 'unknown'}`;
  return status;
}

/** The device name prefix of the stand-in TensorRT and CUDA runtime (test/tensorrt-standin), a test fixture. */
const STANDIN_DEVICE = 'dynamic-ofa stand-in';

/**
 * What to print beside any figure measured on a TensorRT device, when that device is the stand-in: its networks run
 * on the CPU through ONNX Runtime, so nothing it measures is a GPU's. Undefined on a real device.
 */
export function standinNote(info: NativeTensorRtInfo | undefined): string | undefined {
  const name = info?.cuda?.name;
  if (!name?.startsWith(STANDIN_DEVICE)) return undefined;
  return `${name}: the stand-in TensorRT and CUDA runtime (a test fixture) runs every network on the CPU through ONNX Runtime; no figure measured on it is a GPU's`;
}
