import { htmlToText, placeholdersIn, renderTemplate, sanitizeTemplateHtml } from './template-renderer';

describe('template renderer', () => {
  it('finds placeholders', () => {
    expect(placeholdersIn('Hi {{ name }} and {{name}}, {{other}} {not} {{ bad-one }}')).toEqual(['name', 'other']);
  });

  it('escapes values in HTML, keeps them literal in the text part and single-line in the subject', () => {
    const rendered = renderTemplate(
      { subject: 'Hello {{name}}', html: '<p>Hello {{name}}</p>', text: null },
      { name: '<script>alert("x")</script>\r\nBcc: a@b.c' },
    );
    expect(rendered.html).toContain('&lt;script&gt;alert(');
    expect(rendered.html).not.toContain('<script');
    expect(rendered.subject).toBe('Hello <script>alert("x")</script> Bcc: a@b.c');
    expect(rendered.subject).not.toMatch(/[\r\n]/);
    expect(rendered.text).toContain('<script>alert("x")</script>');
  });

  it('strips scripts, handlers and javascript: URLs', () => {
    const html = sanitizeTemplateHtml(
      '<a href="javascript:alert(1)" onclick="x()">a</a><img src="https://x/y.png" onerror="x()"><script>1</script><b>ok</b>',
    );
    expect(html).toBe('<a>a</a><img src="https://x/y.png" /><b>ok</b>');
  });

  it('turns HTML into readable text', () => {
    expect(htmlToText('<p>Hello &amp; <b>welcome</b></p><p><a href="https://x.example/a">Open</a><br>bye</p>')).toBe(
      'Hello & welcome\nOpen (https://x.example/a)\nbye',
    );
  });
});
