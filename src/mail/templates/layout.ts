/**
 * The HTML frame around every mail's body: inline styles only (mail clients drop <style> and
 * external CSS), no images, no scripts. `{{{body}}}` is the purpose's already rendered and
 * escaped HTML; every other value is escaped here.
 */
export const HTML_LAYOUT = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{subject}}</title>
</head>
<body style="margin:0;padding:24px;background:#f4f4f5;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#18181b">
<div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:24px">
<p style="margin-top:0;font-weight:600">{{appName}}</p>
{{{body}}}
<hr style="border:none;border-top:1px solid #e4e4e7;margin:24px 0">
<p style="font-size:12px;color:#71717a;margin-bottom:0">This mail was sent by {{appName}} (<a href="{{appUrl}}" style="color:#71717a">{{appUrl}}</a>) because of an action on an account that uses this address.</p>
</div>
</body>
</html>
`;

/** The plain-text signature under every mail. */
export const TEXT_FOOTER = `
-- 
{{appName}}
{{appUrl}}
`;
