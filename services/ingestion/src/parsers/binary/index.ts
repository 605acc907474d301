/** The binary and document parsers of issue 7 (the lead wires these into the service). */
export { parseParquet, type ParquetOptions } from './parquet';
export { parseDicom, type DicomOptions, type DicomIdentifierPolicy } from './dicom';
export { windowTo8Bit, fullRangeWindow, type DicomWindow } from './dicom-window';
export { malformedFile } from './malformed-file';
