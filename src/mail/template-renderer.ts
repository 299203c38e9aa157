import sanitizeHtml from 'sanitize-html';
import type { TemplateContent } from './template-catalog';

/** `{{ name }}`: the only template syntax. Anything else in braces is plain text. */
const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9]{0,39})\s*\}\}/g;

/** Allowlist for admin-supplied HTML: formatting, links and images; no scripts, styles, forms, frames or handlers. */
const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    'a',
    'b',
    'blockquote',
    'br',
    'code',
    'div',
    'em',
    'h1',
    'h2',
    'h3',
    'h4',
    'hr',
    'i',
    'img',
    'li',
    'ol',
    'p',
    'pre',
    'small',
    'span',
    'strong',
    'table',
    'tbody',
    'td',
    'th',
    'thead',
    'tr',
    'u',
    'ul',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'target', 'rel'],
    img: ['src', 'alt', 'width', 'height'],
    td: ['colspan', 'rowspan', 'align'],
    th: ['colspan', 'rowspan', 'align'],
  },
  allowedSchemes: ['https', 'http', 'mailto'],
  allowedSchemesByTag: { img: ['https'] },
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  enforceHtmlBoundary: false,
};

/** Cleans admin-supplied HTML (sanitize-html, allowlist above). */
export function sanitizeTemplateHtml(html: string): string {
  return sanitizeHtml(html, SANITIZE_OPTIONS);
}

/** Names of the `{{variables}}` used in a text, without duplicates. */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[1]))];
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (char) => HTML_ESCAPES[char]);
}

/** Control characters (CR/LF included) would let a value start a new header line: replaced by spaces. */
// eslint-disable-next-line no-control-regex
const toSingleLine = (value: string): string => value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
// eslint-disable-next-line no-control-regex
const toPlainText = (value: string): string => value.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, ' ');

function substitute(template: string, variables: Record<string, string>, encode: (value: string) => string): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => encode(variables[name] ?? ''));
}

/** Reverses the four escapes sanitize-html writes, for the text part. */
function decodeBasicEntities(text: string): string {
  return text.replace(
    /&(lt|gt|quot|#39|amp);/g,
    (_match, entity: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[entity] ?? '',
  );
}

/** A readable text part from rendered HTML: block ends become line breaks, links keep their URL, tags go. */
export function htmlToText(html: string): string {
  const marked = html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|h[1-6]|li|tr|blockquote|pre|table)>/gi, '\n')
    .replace(/<a\s[^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, (_match, href: string, label: string) => `${label} (${href})`);
  const text = sanitizeHtml(marked, { allowedTags: [], allowedAttributes: {} });
  return decodeBasicEntities(text)
    .split('\n')
    .map((line) => line.replace(/[ \t]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

/**
 * Renders a template: values are HTML-escaped in the HTML part, made single-line in the subject, and the
 * result is passed through the sanitizer again (a value in an `href` cannot become a `javascript:` URL).
 */
export function renderTemplate(content: TemplateContent, variables: Record<string, string>): RenderedMail {
  const html = sanitizeTemplateHtml(substitute(content.html, variables, escapeHtml));
  const subject = toSingleLine(substitute(content.subject, variables, toSingleLine)).slice(0, 300);
  const text = content.text !== null ? substitute(content.text, variables, toPlainText) : htmlToText(html);
  return { subject, html, text };
}
