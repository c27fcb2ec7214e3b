package restgate.atlassian;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import javax.servlet.http.HttpSession;

/**
 * Servlet objects for the tests, behaving as Tomcat's do in what the authenticators touch: headers by any case,
 * getSession(false) null after invalidate(), an invalidated session throwing IllegalStateException, a new session
 * from getSession(). Any other servlet method throws, so a test fails if the code reaches for something unmodelled.
 */
final class FakeHttp {
    private FakeHttp() {
    }

    static final class Session {
        final String id;
        final Map<String, Object> attributes = new HashMap<>();
        boolean valid = true;
        final HttpSession proxy;

        Session(String id) {
            this.id = id;
            this.proxy = (HttpSession) Proxy.newProxyInstance(FakeHttp.class.getClassLoader(), new Class<?>[] {HttpSession.class}, (p, m, a) -> {
                switch (m.getName()) {
                    case "getId":
                        return this.id;
                    case "getAttribute":
                        check();
                        return attributes.get((String) a[0]);
                    case "setAttribute":
                        check();
                        if (a[1] == null) attributes.remove((String) a[0]);
                        else attributes.put((String) a[0], a[1]);
                        return null;
                    case "removeAttribute":
                        check();
                        attributes.remove((String) a[0]);
                        return null;
                    case "invalidate":
                        check();
                        valid = false;
                        attributes.clear();
                        return null;
                    case "hashCode":
                        return System.identityHashCode(p);
                    case "equals":
                        return p == a[0];
                    case "toString":
                        return "Session(" + this.id + ")";
                    default:
                        throw new UnsupportedOperationException("HttpSession." + m.getName());
                }
            });
        }

        private void check() {
            if (!valid) throw new IllegalStateException("session " + id + " invalidated");
        }

        String user() {
            return (String) attributes.get(AssertionLogin.SESSION_USER_ID);
        }
    }

    /** Sessions by id: the server side of the cookie jar. */
    static final class Container {
        final Map<String, Session> sessions = new LinkedHashMap<>();
        private int next = 1;

        Session create() {
            Session s = new Session("S" + next++);
            sessions.put(s.id, s);
            return s;
        }
    }

    static final class Request {
        final Container container;
        String method = "GET";
        String uri = "/rest/api/2/myself";
        String query;
        String remoteAddr = "127.0.0.1";
        final List<String[]> headers = new ArrayList<>();
        final Map<String, Object> attributes = new HashMap<>();
        /** The session the client's cookie names, if any. */
        Session session;
        HttpServletRequest proxy;

        Request(Container container) {
            this.container = container;
            this.proxy = (HttpServletRequest) Proxy.newProxyInstance(FakeHttp.class.getClassLoader(), new Class<?>[] {HttpServletRequest.class}, (p, m, a) -> {
                switch (m.getName()) {
                    case "getMethod":
                        return method;
                    case "getRequestURI":
                        return uri;
                    case "getQueryString":
                        return query;
                    case "getRemoteAddr":
                        return remoteAddr;
                    case "getHeader": {
                        List<String> v = values((String) a[0]);
                        return v.isEmpty() ? null : v.get(0);
                    }
                    case "getHeaders":
                        return Collections.enumeration(values((String) a[0]));
                    case "getAttribute":
                        return attributes.get((String) a[0]);
                    case "setAttribute":
                        attributes.put((String) a[0], a[1]);
                        return null;
                    case "getSession": {
                        boolean create = a == null || (Boolean) a[0];
                        if (session != null && session.valid) return session.proxy;
                        if (!create) return null;
                        session = container.create();
                        return session.proxy;
                    }
                    case "hashCode":
                        return System.identityHashCode(p);
                    case "equals":
                        return p == a[0];
                    case "toString":
                        return "Request(" + method + " " + uri + ")";
                    default:
                        throw new UnsupportedOperationException("HttpServletRequest." + m.getName());
                }
            });
        }

        Request header(String name, String value) {
            headers.add(new String[] {name, value});
            return this;
        }

        private List<String> values(String name) {
            List<String> out = new ArrayList<>();
            for (String[] h : headers) {
                if (h[0].toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) out.add(h[1]);
            }
            return out;
        }
    }

    static HttpServletResponse response() {
        return (HttpServletResponse) Proxy.newProxyInstance(FakeHttp.class.getClassLoader(), new Class<?>[] {HttpServletResponse.class}, (p, m, a) -> {
            switch (m.getName()) {
                case "setHeader":
                case "addHeader":
                case "sendError":
                    return null;
                case "hashCode":
                    return System.identityHashCode(p);
                case "equals":
                    return p == a[0];
                default:
                    throw new UnsupportedOperationException("HttpServletResponse." + m.getName());
            }
        });
    }
}
