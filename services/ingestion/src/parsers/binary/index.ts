/** The binary and document parsers of issue 7 (the lead wires these into the service). */
export { parseParquet, type ParquetOptions } from './parquet';
export { parseXlsx, type XlsxOptions } from './xlsx';
export { parsePdf, type PdfOptions } from './pdf';
export { parseDocx, type DocxOptions } from './docx';
export { parseEmail, type EmailOptions } from './email';
export { parseMbox } from './mbox';
export { parseImage, type ImageOptions, type ImageTensorOptions } from './image';
export { parseWav, type WavOptions } from './wav';
export { parseDicom, type DicomOptions, type DicomIdentifierPolicy } from './dicom';
export { windowTo8Bit, fullRangeWindow, type DicomWindow } from './dicom-window';
export { malformedFile } from './malformed-file';
export { checkZipContainer, DEFAULT_ZIP_CONTAINER_LIMITS, type ZipContainerLimits } from './zip-container-guard';
