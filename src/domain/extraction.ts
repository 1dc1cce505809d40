// Words and thresholds about what was read from a message's parts, shared by the extraction (which
// flags), the decision (which raises the draft flag) and the screen (which marks the page).

/** Pages below this mean confidence (tesseract's 0–100 scale) are flagged for a person. */
export const LOW_OCR_CONFIDENCE = 70;

/** How a part's text was obtained (Attachment.extractMethod). */
export const extractMethodLabel: Record<string, string> = {
  ocr: "OCR 识别",
  "pdf-text": "PDF 文本层",
  docx: "Word",
  doc: "Word/WPS",
  xlsx: "电子表格",
  xls: "电子表格（xls/et）",
  ofd: "OFD",
  zip: "压缩包",
  html: "网页",
  text: "文本",
  message: "转发邮件",
  none: "未提取",
};
