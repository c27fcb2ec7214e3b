package restgate.atlassian;

import com.atlassian.confluence.user.ConfluenceAuthenticator;
import com.atlassian.seraph.config.SecurityConfig;
import java.security.Principal;
import java.util.Map;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/**
 * Confluence's stock authenticator, plus login by restgate's signed assertion (rules in {@link AssertionLogin}).
 * In WEB-INF/classes/seraph-config.xml it replaces {@code com.atlassian.confluence.user.ConfluenceAuthenticator};
 * its parameters are listed in integrations/atlassian/README.md.
 */
public class RestgateConfluenceAuthenticator extends ConfluenceAuthenticator {
    private static final long serialVersionUID = 1L;

    private final transient AssertionLogin login = new AssertionLogin("Confluence", System::currentTimeMillis);
    private final transient AssertionLogin.Product product = new AssertionLogin.Product() {
        @Override
        public Principal lookUp(String name) {
            return getUser(name);
        }

        @Override
        public Principal sessionUser(HttpServletRequest request) {
            return getUserFromSession(request);
        }

        @Override
        public boolean establish(HttpServletRequest request, HttpServletResponse response, Principal user) {
            return authoriseUserAndEstablishSession(request, response, user);
        }

        @Override
        public Principal withoutAssertion(HttpServletRequest request, HttpServletResponse response) {
            return RestgateConfluenceAuthenticator.super.getUser(request, response);
        }
    };

    @Override
    public void init(Map<String, String> params, SecurityConfig config) {
        super.init(params, config);
        login.configure(params);
    }

    @Override
    public Principal getUser(HttpServletRequest request, HttpServletResponse response) {
        return login.getUser(product, request, response);
    }
}
