//! Plain explanations of status codes and their classes (English; the app adds 中文).

/// The class of a status code (RFC 9110 §15).
pub fn status_class(code: u16) -> &'static str {
    match code / 100 {
        1 => "1xx Informational: request received, continuing",
        2 => "2xx Successful: received, understood and accepted",
        3 => "3xx Redirection: further action needed",
        4 => "4xx Client Error: the request is wrong or cannot be fulfilled",
        5 => "5xx Server Error: the server failed a valid request",
        _ => "not a valid status class",
    }
}

/// The registered reason phrase of a status code.
pub fn status_reason(code: u16) -> &'static str {
    match code {
        100 => "Continue",
        101 => "Switching Protocols",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        417 => "Expectation Failed",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}
